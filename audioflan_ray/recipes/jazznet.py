"""jazznet — 162,520 synthesized piano patterns (chords, arpeggios, scales, chord progressions) in all keys.

- Source: https://github.com/tosiron/jazznet (Adegbija, ICASSP 2023), data https://zenodo.org/record/7192653; the
  dataset is CC BY-NC-SA 4.0 (**non-commercial**; the README's licence section), the repository's code MIT. The audio is
  rendered from MIDI with TiMidity (``download/convertMidiToWav.py``: 16 kHz WAV).
- Native layout: ``metadata/{full,large,medium,small}.csv`` (``metadata.tar.gz``; comma-separated, CRLF, header
  ``id,name,type,mode,octave,inversion,split``; ``type`` chord / arpeggio / scale / progression; ``mode`` the
  pattern, e.g. ``dorian``, ``pentatonic``, ``aug-chord``, ``ii-V-I-maj``; ``name`` e.g. ``C-4-dorian-0``,
  ``B-4-ii-V-I-maj-17``) and the wav tarballs (``chords``, ``arpeggios``, ``scales``, ``progressions[-small|-medium|
  -large]``), whose files are ``<name>.wav`` in per-type, per-pattern folders (``scales/dorian/C-4-dorian-0.wav``
  as the pattern generator writes them). The recipe finds each row's wav by its ``name`` anywhere below the root.
- Subsets: the progression tarballs come in subsets and each CSV lists one subset (chords, arpeggios and scales are
  in all of them); option ``subset`` (``small`` / ``medium`` / ``large`` / ``full``) names the CSV to read, by
  default the present CSV with the most rows whose wav is present (the smaller one on a tie).
- Labels: ``scale`` = the scale ``mode`` (``ionian``, ``dorian``, ``phrygian``, ``lydian``, ``mixolydian``,
  ``aeolian``, ``locrian``, ``pentatonic``); ``progression`` = the progression ``mode`` in Roman numerals without
  its ``-maj`` / ``-min`` key suffix (``ii-V-I-maj`` -> ``ii-V-I``; the numerals' case says the key); ``instrument``
  = ``piano``.
- Split: the official ``split`` column of the chosen CSV (train / validation / test; validation -> dev). The
  subsets split some patterns differently, so the split belongs to the CSV read.
- Problems: a row without a name, with an unknown type or split (``bad_metadata``), a row whose wav is absent
  (``missing_audio``).
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
from collections.abc import Iterator

from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SUBSETS = ("small", "medium", "large", "full")
_SPLITS = {"train": "train", "validation": "dev", "test": "test"}
_TYPES = ("chord", "arpeggio", "scale", "progression")


@register
class JazzNet(Recipe):
    name = "jazznet"
    domain = "music"
    source = ["synthetic"]
    number = 147
    license = "CC-BY-NC-SA-4.0"
    citation = r"""@inproceedings{adegbija2023jazznet,
  title = {jazznet: A Dataset of Fundamental Piano Patterns for Music Audio Machine Learning Research},
  author = {Adegbija, Tosiron},
  booktitle = {IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  year = {2023},
  eprint = {2302.08632},
  archivePrefix = {arXiv}
}"""
    provides = frozenset({"scale", "progression", "instrument"})
    values = {"instrument": frozenset({"piano"})}

    def _csvs(self) -> list[str]:
        return [f"metadata/{s}.csv" for s in _SUBSETS if self.root.exists(f"metadata/{s}.csv")]

    def check_layout(self) -> list[str]:
        if not self._csvs():
            return [f"jazznet: no metadata/{{small,medium,large,full}}.csv under {self.root.uri}"]
        return []

    def _rows(self, path: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.root.read_text(path), newline="")))

    def scan(self) -> Iterator[Recording | Problem]:
        wavs: dict[str, tuple[str, int]] = {}
        for path, size in self.root.find("", ".wav").items():
            wavs.setdefault(posixpath.basename(path)[: -len(".wav")], (path, size))
        subset = self.options.get("subset")
        if subset:
            index = f"metadata/{subset}.csv"
            rows = self._rows(index)
        else:
            candidates = [(p, self._rows(p)) for p in self._csvs()]
            # most rows with audio first; on a tie the smaller CSV (fewer rows absent)
            index, rows = max(
                candidates, key=lambda c: (sum((r.get("name") or "").strip() in wavs for r in c[1]), -len(c[1]))
            )
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for line_no, row in enumerate(rows, 2):
            where = f"{index}:{line_no}"
            name, kind = (row.get("name") or "").strip(), (row.get("type") or "").strip()
            split, mode = _SPLITS.get((row.get("split") or "").strip()), (row.get("mode") or "").strip()
            if not name or kind not in _TYPES or split is None:
                problems.append(Problem(where, "bad_metadata", f"expected a name, a type and a split: {row}"))
                continue
            if name not in wavs:
                problems.append(Problem(f"{name}.wav", "missing_audio", f"{where} lists {name}"))
                continue
            meta = {
                "instrument": "piano",
                "scale": mode if kind == "scale" else None,
                "progression": re.sub(r"-(maj|min)$", "", mode) if kind == "progression" else None,
            }
            audio, size = wavs[name]
            recordings.append(Recording(name, audio, split, compact(meta), size))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
