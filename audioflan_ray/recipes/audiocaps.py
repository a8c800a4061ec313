"""AudioCaps — about 51k 10-second AudioSet clips with crowd-sourced English captions.

- Source: https://github.com/cdjkim/audiocaps (Kim et al., NAACL 2019), ``dataset/`` (v1); MIT licence for the
  captions. The audio is not distributed: each user downloads the YouTube segments (YouTube's terms).
- Native layout: ``{train,val,test}.csv`` with the header ``audiocap_id,youtube_id,start_time,caption`` (captions
  holding a comma are quoted; the start in whole seconds). ``train.csv`` has one caption per clip, ``val.csv`` and
  ``test.csv`` five per clip, on separate rows that are not adjacent. The index files sit in the corpus root, or in
  ``dataset/`` (the repository) or ``AUDIOCAPS/`` (aac-datasets). Clips: the folder ``options.audio_dir`` (default:
  the corpus root), listed once, in any layout downloaders write (aac-datasets' ``audio_32000Hz/<split>/<ytid>_<start>
  .flac``, ``<ytid>.wav``...; see ``_youtube``). A copy that names clips by ``audiocap_id`` is not supported (a
  val/test clip has five of them).
- Labels: ``caption`` = the clip's first caption in file order (whitespace collapsed); the other four of a val/test
  clip are not used.
- Recording id: ``<ytid>_<start>`` (aac-datasets' clip naming).
- Split, from the file: train -> train, val -> dev, test -> test.
- Problems: a clip not in the audio folder -> ``Absent`` ("clip missing"); a row without a YouTube id, a numeric
  start or a caption -> ``bad_metadata``; a clip listed in two split files -> ``duplicate``.
"""

from __future__ import annotations

import csv
import posixpath
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes._youtube import ClipFolder, time_token
from audioflan_ray.recipes.base import Absent, Problem, Recipe, Recording, register

SPLITS = {"train.csv": "train", "val.csv": "dev", "test.csv": "test"}
INDEX_DIRS = ("", "dataset", "AUDIOCAPS")
CLIP_SECONDS = 10.0


@register
class AudioCaps(Recipe):
    name = "audiocaps"
    domain = "audio"
    source = ["youtube"]
    number = 183
    license = "MIT (captions); audio under YouTube's terms"
    citation = r"""@inproceedings{kim2019audiocaps,
  title = {{AudioCaps}: Generating Captions for Audios in The Wild},
  author = {Kim, Chris Dongjoo and Kim, Byeongchang and Lee, Hyunmin and Kim, Gunhee},
  booktitle = {Proceedings of the 2019 Conference of the North {American} Chapter of the Association for Computational
    Linguistics: Human Language Technologies (NAACL-HLT)},
  pages = {119--132},
  year = {2019},
  doi = {10.18653/v1/N19-1011}
}"""
    provides = frozenset({"caption"})

    def _index_dir(self) -> str | None:
        for folder in INDEX_DIRS:
            if any(self.root.exists(posixpath.join(folder, f)) for f in SPLITS):
                return folder
        return None

    def check_layout(self) -> list[str]:
        if self._index_dir() is None:
            where = " or ".join(f"{d}/" for d in INDEX_DIRS if d)
            return [f"audiocaps: no train.csv, val.csv or test.csv under {self.root.uri} (nor in {where})"]
        return []

    def scan(self) -> Iterator[Recording | Problem | Absent]:
        folder = self._index_dir() or ""
        clips = ClipFolder(self.root, str(self.options.get("audio_dir", "")))
        recordings: list[Recording] = []
        absent: list[Absent] = []
        problems: list[Problem] = []
        clip_split: dict[str, str] = {}
        for filename, split in SPLITS.items():
            index = posixpath.join(folder, filename)
            if not self.root.exists(index):
                continue
            for row_no, row in enumerate(csv.DictReader(self.root.read_text(index).splitlines()), 2):
                where = f"{index}:{row_no}"
                ytid, caption = (row.get("youtube_id") or "").strip(), vocab.text(row.get("caption") or "")
                try:
                    start = float(row.get("start_time") or "")
                except ValueError:
                    start = -1.0
                if not ytid or start < 0 or not caption:
                    problems.append(Problem(where, "bad_metadata", "expected a youtube_id, a start_time and a caption"))
                    continue
                rec_id = f"{ytid}_{time_token(start)}"
                if rec_id in clip_split:
                    if clip_split[rec_id] != split:
                        problems.append(Problem(where, "duplicate", f"clip {rec_id} is in {clip_split[rec_id]} too"))
                    continue  # another caption of a val/test clip: the first one is kept
                clip_split[rec_id] = split
                found = clips.locate(ytid, start, start + CLIP_SECONDS)
                if isinstance(found, Absent):
                    absent.append(found)
                    continue
                recordings.append(Recording(rec_id, found[0], split, {"caption": caption}, found[1]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(absent, key=lambda a: a.path)
        yield from sorted(problems, key=lambda p: p.path)
