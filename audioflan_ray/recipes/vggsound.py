"""VGGSound — about 200k 10-second YouTube clips, each labelled with one of 309 audio-visual sound classes.

- Source: https://www.robots.ox.ac.uk/~vgg/data/vggsound/ (Chen, Xie, Vedaldi, Zisserman, ICASSP 2020); the index
  is CC BY 4.0, the audio is not distributed (each user downloads the clips, under YouTube's terms).
- Native layout: ``vggsound.csv``, headerless, comma-separated: ``ytid,start,label,split`` with the start in whole
  seconds and the split ``train`` or ``test`` (``--9O4XZOge4,30,"female speech, woman speaking",train``: labels
  holding a comma are quoted). One video may give several clips (different starts). Clips: the folder
  ``options.audio_dir`` (default: the corpus root), listed once, in any layout downloaders write (``<ytid>_<start
  ms>_<end ms>.flac`` of audiosetdl, ``<ytid>_<start:06d>.wav``...; see ``_youtube``). Video-only copies
  (``.mp4``) are not audio files and are not used.
- Labels: ``label`` via ``vocab.vggsound_class`` (comma-free words: ``bee, wasp, etc. buzzing`` -> ``bee buzzing``,
  ``male speech, man speaking`` -> ``male speech``).
- Recording id: ``<ytid>_<start:06d>`` (VGGSound's own clip naming).
- Split: the official one; ``test`` -> test, ``train`` -> train with a deterministic 5 % carved out as dev
  (``hash_split`` of the clip id; VGGSound has no dev set).
- Problems: a clip not in the audio folder -> ``Absent`` ("clip missing"); a row without four fields, a start that is
  not a number or a split other than train/test -> ``bad_metadata``; a label the vocabulary cannot place ->
  ``unknown_label``; a clip listed twice -> ``duplicate``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes._youtube import ClipFolder
from audioflan_ray.recipes.base import Absent, Problem, Recipe, Recording, hash_split, register

INDEX = "vggsound.csv"
DEV_PERCENT = 5
CLIP_SECONDS = 10.0


@register
class VGGSound(Recipe):
    name = "vggsound"
    domain = "audio"
    source = ["youtube"]
    number = 181
    license = "CC-BY-4.0 (index); audio under YouTube's terms"
    citation = r"""@inproceedings{chen2020vggsound,
  title = {{VGGSound}: A Large-Scale Audio-Visual Dataset},
  author = {Chen, Honglie and Xie, Weidi and Vedaldi, Andrea and Zisserman, Andrew},
  booktitle = {IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  pages = {721--725},
  year = {2020},
  doi = {10.1109/ICASSP40776.2020.9053174}
}"""
    provides = frozenset({"label"})

    def check_layout(self) -> list[str]:
        if not self.root.exists(INDEX):
            return [f"vggsound: no {INDEX} under {self.root.uri}; is this the VGGSound root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem | Absent]:
        clips = ClipFolder(self.root, str(self.options.get("audio_dir", "")))
        recordings: list[Recording] = []
        absent: list[Absent] = []
        problems: list[Problem] = []
        seen: set[str] = set()
        for row_no, row in enumerate(csv.reader(self.root.read_text(INDEX).splitlines()), 1):
            if not row:
                continue
            where = f"{INDEX}:{row_no}"
            try:
                ytid, start_text, label, split = (x.strip() for x in row)
                start = float(start_text)
                if split not in ("train", "test"):
                    raise ValueError(split)
            except ValueError:
                problems.append(Problem(where, "bad_metadata", f"expected ytid,start,label,train|test: {row}"))
                continue
            rec_id = f"{ytid}_{int(start):06d}"
            if rec_id in seen:
                problems.append(Problem(where, "duplicate", f"clip {rec_id} is listed before"))
                continue
            seen.add(rec_id)
            try:
                words = vocab.vggsound_class(label)
            except ValueError as exc:
                problems.append(Problem(where, "unknown_label", str(exc)))
                continue
            found = clips.locate(ytid, start, start + CLIP_SECONDS)
            if isinstance(found, Absent):
                absent.append(found)
                continue
            split = "test" if split == "test" else hash_split(rec_id, DEV_PERCENT, 0)
            recordings.append(Recording(rec_id, found[0], split, {"label": words}, found[1]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(absent, key=lambda a: a.path)
        yield from sorted(problems, key=lambda p: p.path)
