"""TAU Urban Acoustic Scenes 2022 Mobile, development set — 1-second urban soundscapes from 10 scenes, 9 devices.

- Source: https://zenodo.org/record/6337421 (Heittola, Mesaros, Virtanen; DCASE 2022 task 1). **Non-commercial**:
  the licence allows academic, experimental use only ("Any commercial use ... is strictly prohibited").
- Native layout (``TAU-urban-acoustic-scenes-2022-mobile-development/``; the root may be that folder or its
  parent): ``audio/<scene>-<city>-<location>-<segment>-<sub-segment>-<device>.wav`` (the 2020 Mobile 10-s segments
  cut into ten 1-s pieces, e.g. ``airport-lisbon-1000-40000-0-a.wav``; 44.1 kHz mono, 24 bit); ``meta.csv``,
  tab-separated with the header ``filename scene_label identifier source_label`` (``audio/airport-lisbon-1000-40000-0
  -a.wav  airport  lisbon-1000  a``: the identifier is city-location, the source label the device);
  ``evaluation_setup/fold1_train.csv`` and ``fold1_evaluate.csv`` (``filename scene_label``) and ``fold1_test.csv``
  (``filename`` only, the evaluate files without labels; not read).
- Labels: ``scene`` in words (``street_pedestrian`` -> ``street pedestrian``); ``device`` in words from the
  documented devices: ``a`` the main recorder (Soundman OKM II Klassik/studio A3 in-ear binaural microphones and a
  Zoom F8), ``b`` Samsung Galaxy S7, ``c`` iPhone SE, ``d`` GoPro Hero5 Session (evaluation set only), ``s1``-``s11``
  devices simulated from device A recordings with real devices' impulse responses (the development set has s1-s6).
- Split: the official fold 1 — ``fold1_evaluate.csv`` -> test; ``fold1_train.csv`` -> train, of which the recording
  locations (``identifier``) hashed into 10 % are carved out as dev, so that no location is in two splits (DCASE's
  setup keeps train and evaluate locations apart the same way). Files of ``meta.csv`` that fold 1 leaves out (the
  setup balances devices) -> train/dev by the same location rule, unless their location is in the evaluate fold.
- Problems: a listed file without audio -> ``missing_audio``; a wav no ``meta.csv`` row lists -> ``missing_label``;
  a fold row not in ``meta.csv``, or a row without filename/scene -> ``bad_metadata``; a file left out of fold 1
  whose location is in the evaluate fold -> ``location_in_test``; a device code not documented ->
  ``unknown_label`` (the recording keeps its scene).
"""

from __future__ import annotations

import csv
import posixpath
import re
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

FOLDER = "TAU-urban-acoustic-scenes-2022-mobile-development"
META = "meta.csv"
FOLDS = {"evaluation_setup/fold1_evaluate.csv": "test", "evaluation_setup/fold1_train.csv": "train"}
DEV_PERCENT = 10
_MAIN_DEVICE = "Soundman OKM II Klassik/studio A3 binaural in-ear microphones with a Zoom F8 recorder"
DEVICES = {"a": _MAIN_DEVICE, "b": "Samsung Galaxy S7", "c": "iPhone SE", "d": "GoPro Hero5 Session"}
_SIMULATED = re.compile(r"s(\d{1,2})")


def device_words(code: str) -> str | None:
    """A TAU device code in words, or None for an undocumented code."""
    code = code.strip().lower()
    if code in DEVICES:
        return DEVICES[code]
    m = _SIMULATED.fullmatch(code)
    return f"simulated mobile device S{int(m[1])}" if m and 1 <= int(m[1]) <= 11 else None


@register
class TAU2022(Recipe):
    name = "tau2022"
    domain = "audio"
    source = ["field recording"]
    number = 177
    license = "Tampere University licence (academic research only, non-commercial)"
    citation = r"""@misc{heittola2022tau,
  title = {{TAU} Urban Acoustic Scenes 2022 Mobile, Development dataset},
  author = {Heittola, Toni and Mesaros, Annamaria and Virtanen, Tuomas},
  publisher = {Zenodo},
  year = {2022},
  doi = {10.5281/zenodo.6337421}
}"""
    provides = frozenset({"scene", "device"})

    def _base(self) -> str | None:
        for base in ("", FOLDER):
            if self.root.exists(posixpath.join(base, META)):
                return base
        return None

    def check_layout(self) -> list[str]:
        if self._base() is None:
            return [f"tau2022: no {META} under {self.root.uri} (nor in {FOLDER}/); is this the TAU 2022 Mobile root?"]
        return []

    def _tsv(self, path: str) -> list[dict[str, str]]:
        return list(csv.DictReader(self.root.read_text(path).splitlines(), delimiter="\t"))

    def scan(self) -> Iterator[Recording | Problem]:
        base = self._base() or ""
        wavs = self.root.find(posixpath.join(base, "audio"), ".wav")
        problems: list[Problem] = []
        meta: dict[str, dict[str, str]] = {}
        for row_no, row in enumerate(self._tsv(posixpath.join(base, META)), 2):
            filename, scene = (row.get("filename") or "").strip(), (row.get("scene_label") or "").strip()
            if not filename or not scene:
                problems.append(Problem(f"{META}:{row_no}", "bad_metadata", f"expected a filename and a scene: {row}"))
                continue
            meta[filename] = row
        fold_split: dict[str, str] = {}
        for fold, split in FOLDS.items():
            path = posixpath.join(base, fold)
            if not self.root.exists(path):
                continue
            for row_no, row in enumerate(self._tsv(path), 2):
                filename = (row.get("filename") or "").strip()
                if filename not in meta:
                    problems.append(Problem(f"{fold}:{row_no}", "bad_metadata", f"{filename!r} is not in {META}"))
                    continue
                fold_split.setdefault(filename, split)
        test_locations = {meta[f].get("identifier", "").strip() for f, s in fold_split.items() if s == "test"}
        recordings: list[Recording] = []
        for filename, row in meta.items():
            location = (row.get("identifier") or "").strip()
            audio = posixpath.join(base, filename)
            if filename not in fold_split and location in test_locations:
                problems.append(
                    Problem(
                        audio,
                        "location_in_test",
                        f"left out of fold 1, and its location {location} is in the evaluate fold",
                    )
                )
                continue
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{META} lists {filename}"))
                continue
            code = (row.get("source_label") or "").strip()
            device = device_words(code)
            if device is None:
                problems.append(Problem(audio, "unknown_label", f"device code {code!r} is not a documented device"))
            if fold_split.get(filename) == "test":
                split = "test"
            else:
                split = hash_split(f"tau2022/location/{location}", DEV_PERCENT, 0)
            rec_id = posixpath.splitext(posixpath.basename(filename))[0]
            fields = {"scene": vocab.canonical("scene", row["scene_label"]), "device": device}
            recordings.append(Recording(rec_id, audio, split, compact(fields), wavs[audio]))
        listed = {posixpath.join(base, f) for f in meta}
        problems += [Problem(w, "missing_label", f"no {META} row lists this clip") for w in wavs if w not in listed]
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
