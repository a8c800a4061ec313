"""ESC-50 — 2,000 five-second environmental sound clips in 50 classes, from Freesound.

- Source: https://github.com/karolpiczak/ESC-50 (CC BY-NC 3.0; the ESC-10 subset, ``esc10=True``, is CC BY).
  Per-clip Freesound attributions are in the upstream LICENSE file.
- Native layout: ``meta/esc50.csv`` (comma-separated with header ``filename,fold,target,category,esc10,src_file,
  take``) and ``audio/<filename>`` (44.1 kHz mono WAV, named ``{fold}-{src_file}-{take}-{target}.wav``).
- Labels: ``category`` as lower-case words (``vocab.words``: ``car_horn`` -> "car horn"); the fold; the take
  letter (which fragment of the Freesound clip).
- Split: from the corpus's own five cross-validation folds (clips of one Freesound source share a fold, so no
  source crosses splits): fold 5 -> test, fold 4 -> dev, folds 1-3 -> train.
- Problems: a CSV row whose clip is absent (``missing_audio``), a row with a bad fold (``bad_metadata``), a clip
  that no row lists (``missing_label``).
"""

from __future__ import annotations

import csv
import posixpath
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_FOLD_SPLITS = {1: "train", 2: "train", 3: "train", 4: "dev", 5: "test"}


@register
class ESC50(Recipe):
    name = "esc50"
    domain = "audio"
    source = ["freesound"]
    number = 30
    license = "CC-BY-NC-3.0"
    citation = r"""@inproceedings{piczak2015esc,
  title = {{ESC}: Dataset for Environmental Sound Classification},
  author = {Piczak, Karol J.},
  booktitle = {Proceedings of the 23rd Annual ACM Conference on Multimedia},
  pages = {1015--1018},
  publisher = {ACM Press},
  year = {2015},
  doi = {10.1145/2733373.2806390}
}"""
    provides = frozenset({"label", "fold", "take"})

    def check_layout(self) -> list[str]:
        if not self.root.exists("meta/esc50.csv"):
            return [f"esc50: no meta/esc50.csv under {self.root.uri}"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        wavs = self.root.find("audio", ".wav")
        listed: set[str] = set()
        recordings: list[Recording] = []
        problems: list[Problem] = []
        rows = csv.DictReader(self.root.read_text("meta/esc50.csv").splitlines())
        for row_no, row in enumerate(rows, 2):
            filename = (row.get("filename") or "").strip()
            fold = (row.get("fold") or "").strip()
            where = f"meta/esc50.csv:{row_no}"
            if not filename or not fold.isdigit() or int(fold) not in _FOLD_SPLITS:
                problems.append(Problem(where, "bad_metadata", f"expected a filename and a fold 1-5: {row}"))
                continue
            audio = f"audio/{filename}"
            listed.add(audio)
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{where} lists {filename}"))
                continue
            meta = compact(
                {
                    "label": vocab.words(row.get("category") or ""),
                    "fold": int(fold),
                    "take": row.get("take"),
                }
            )
            rec_id = posixpath.splitext(filename)[0]
            recordings.append(Recording(rec_id, audio, _FOLD_SPLITS[int(fold)], meta, wavs[audio]))
        for audio in wavs:
            if audio not in listed:
                problems.append(Problem(audio, "missing_label", "no meta/esc50.csv row lists this clip"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
