"""Clotho — 15-30 s Freesound clips, each with five crowd-sourced English captions.

- Source: https://zenodo.org/records/4783391 (v2.1; Drossos, Lipping, Virtanen, "Clotho: An Audio Captioning
  Dataset", ICASSP 2020). Captions under Tampere University's terms; each clip under its own Freesound Creative
  Commons licence (listed in Clotho's metadata CSVs). Not verified as redistributable, so not bundled.
- Native layout: ``clotho_captions_{development,validation,evaluation}.csv`` (header ``file_name,caption_1,...,
  caption_5``, the clip's file name, which may hold spaces) and the clips in ``{development,validation,
  evaluation}/<file_name>`` (44.1 kHz mono WAV, the folders inside the ``clotho_audio_*.7z`` archives). Any of the
  three pairs may be absent. The metadata CSVs (Freesound ids, licences, keywords) are not read.
- Labels: ``caption`` = ``caption_1`` as written, whitespace collapsed (``vocab.text``); the metadata holds one
  caption per recording, so the other four are not used. The recording id is the file name without ``.wav``
  (Clotho's names are unique over all splits).
- Split: the corpus's own, from the CSV's name: development -> train, validation -> dev, evaluation -> test.
- Problems: a CSV row whose clip is absent -> ``missing_audio``; a clip no CSV row lists -> ``missing_label``; a row
  without a file name or caption, or an unreadable CSV -> ``bad_metadata``; a file name listed twice (in one CSV
  or across two) -> ``duplicate`` for every row after the first.
"""

from __future__ import annotations

import csv
import posixpath
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

#: Clotho split name (the CSV suffix and audio folder) -> our split; iterated in this order.
SPLITS = {"development": "train", "validation": "dev", "evaluation": "test"}


def _csv(split: str) -> str:
    return f"clotho_captions_{split}.csv"


@register
class Clotho(Recipe):
    name = "clotho"
    domain = "audio"
    source = ["freesound"]
    number = 31
    license = (
        "Tampere University licence (captions: non-commercial, attribution); clips under their own Freesound licences"
    )
    citation = r"""@inproceedings{drossos2020clotho,
  title = {Clotho: an Audio Captioning Dataset},
  author = {Drossos, Konstantinos and Lipping, Samuel and Virtanen, Tuomas},
  booktitle = {IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  pages = {736--740},
  year = {2020},
  doi = {10.1109/ICASSP40776.2020.9052990}
}"""
    provides = frozenset({"caption"})

    def check_layout(self) -> list[str]:
        if not any(self.root.exists(_csv(split)) for split in SPLITS):
            return [f"clotho: no clotho_captions_{{{','.join(SPLITS)}}}.csv under {self.root.uri}"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: dict[str, Recording] = {}
        problems: list[Problem] = []
        listed: set[str] = set()
        wavs: dict[str, int] = {}
        for clotho_split, split in SPLITS.items():
            wavs.update(self.root.find(clotho_split, ".wav"))
            if not self.root.exists(_csv(clotho_split)):
                continue
            try:
                text = self.root.read_text(_csv(clotho_split), "utf-8-sig")
            except UnicodeDecodeError as exc:  # the Korean-annotated copies are cp949, for one
                problems.append(Problem(_csv(clotho_split), "bad_metadata", f"not UTF-8: {exc}"))
                continue
            for row_no, row in enumerate(csv.DictReader(text.splitlines()), 2):
                where = f"{_csv(clotho_split)}:{row_no}"
                filename = (row.get("file_name") or "").strip()
                caption = vocab.text(row.get("caption_1") or "")
                if not filename or not caption:
                    problems.append(Problem(where, "bad_metadata", "expected a file_name and a caption_1"))
                    continue
                audio = f"{clotho_split}/{filename}"
                rec_id = posixpath.splitext(filename)[0]
                if rec_id in recordings or audio in listed:
                    problems.append(Problem(where, "duplicate", f"{filename} is listed before"))
                    continue
                listed.add(audio)
                if audio not in wavs:
                    problems.append(Problem(audio, "missing_audio", f"{where} lists {filename}"))
                    continue
                recordings[rec_id] = Recording(rec_id, audio, split, compact({"caption": caption}), wavs[audio])
        for audio in wavs:
            if audio not in listed:
                problems.append(Problem(audio, "missing_label", "no clotho_captions_*.csv row lists this clip"))
        yield from sorted(recordings.values(), key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
