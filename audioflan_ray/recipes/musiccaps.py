"""MusicCaps — 5,521 ten-second YouTube music clips (from AudioSet), each with a free-text caption and an aspect list
written by professional musicians.

- Source: https://www.kaggle.com/datasets/googleai/musiccaps (Agostinelli et al., 2023, the MusicLM paper),
  CC BY-SA 4.0 for the captions; the audio is YouTube's and every user downloads it.
- Native layout: ``musiccaps-public.csv`` with the header
  ``ytid,start_s,end_s,audioset_positive_labels,aspect_list,caption,author_id,is_balanced_subset,is_audioset_eval``
  (comma-separated, fields with commas or newlines double-quoted; ``aspect_list`` a Python list literal). Clips are
  in the folder ``options.audio_dir`` (default: the whole root, searched recursively), named as downloaders write
  them (the shared lookup of ``_youtube.ClipFolder``): ``<ytid>.<ext>``, ``<ytid>_<start>.<ext>`` or
  ``<ytid>_<start>_<end>.<ext>`` (seconds, integer or decimal, or milliseconds), also ``Y``-prefixed, ``ext`` one of
  wav, flac, mp3, opus, ogg, m4a.
- Labels: ``caption`` (whitespace collapsed). The aspect lists are free-form descriptors rather than a tag
  vocabulary and the AudioSet labels are machine ids; neither is kept.
- Split: ``is_audioset_eval`` True -> test (the clip is in AudioSet's evaluation set), else train.
- Problems: a clip the index lists but the folder lacks is expected (videos disappear) -> ``Absent`` ("clip
  missing"); a row without a YouTube id, with a bad start or without a caption -> ``bad_row``.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes._youtube import ClipFolder, time_token
from audioflan_ray.recipes.base import Absent, Problem, Recipe, Recording, compact, register

_INDEX = "musiccaps-public.csv"


@register
class MusicCaps(Recipe):
    name = "musiccaps"
    domain = "music"
    source = ["youtube"]
    number = 165
    license = "CC-BY-SA-4.0 (captions); audio under YouTube's terms"
    citation = r"""@article{agostinelli2023musiclm,
  title = {{MusicLM}: Generating Music From Text},
  author = {Agostinelli, Andrea and Denk, Timo I. and Borsos, Zal{\'a}n and Engel, Jesse and Verzetti, Mauro and
    Caillon, Antoine and Huang, Qingqing and Jansen, Aren and Roberts, Adam and Tagliasacchi, Marco and Sharifi, Matt
    and Zeghidour, Neil and Frank, Christian},
  journal = {arXiv preprint arXiv:2301.11325},
  year = {2023}
}"""
    provides = frozenset({"caption"})

    def check_layout(self) -> list[str]:
        if not self.root.exists(_INDEX):
            return [f"musiccaps: no {_INDEX} under {self.root.uri}; is this the MusicCaps root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem | Absent]:
        folder = str(self.options.get("audio_dir", "")).strip("/")
        clips = ClipFolder(self.root, folder)
        recordings: list[Recording] = []
        problems: list[Problem] = []
        absent: list[Absent] = []
        for row in csv.DictReader(io.StringIO(self.root.read_text(_INDEX))):
            ytid = (row.get("ytid") or "").strip()
            where = f"{_INDEX}:{ytid or '?'}"
            try:
                start = float(row.get("start_s") or "")
            except ValueError:
                problems.append(Problem(where, "bad_row", f"start_s {row.get('start_s')!r} is not a number"))
                continue
            caption = vocab.text(row.get("caption") or "")
            if not re.fullmatch(r"[A-Za-z0-9_-]{11}", ytid) or not caption:
                problems.append(Problem(where, "bad_row", "no 11-character YouTube id or no caption"))
                continue
            path = clips.find(ytid, start)
            if path is None:
                stem = f"{ytid}_{time_token(start)}"
                absent.append(
                    Absent(posixpath.join(folder, stem), "clip missing", f"no {stem} clip under {folder or 'the root'}")
                )
                continue
            split = "test" if (row.get("is_audioset_eval") or "").strip() == "True" else "train"
            recordings.append(Recording(ytid, path, split, compact({"caption": caption}), clips.files[path]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
        yield from sorted(absent, key=lambda a: a.path)
