"""TinySOL — 2,913 single notes of 14 orchestral instruments from Ircam's Studio On Line, played ordinario.

- Source: https://zenodo.org/record/3685367 (Cella et al., 2020), CC BY 4.0.
- Native layout: ``TinySOL_metadata.csv`` (comma-separated, header ``Path,Fold,Family,Instrument (abbr.),
  Instrument (in full),Technique (abbr.),Technique (in full),Pitch,Pitch ID,Dynamics,Dynamics ID,...``; later
  versions end the header differently, so columns are read by name) and the unpacked ``TinySOL.tar.gz``:
  ``<Family>/<Instrument>/<technique>/<abbr>-<tech>-<pitch>-<dynamics>-....wav``, the ``Path`` column. mirdata keeps
  the CSV in ``annotation/`` and the audio in ``audio/``; both arrangements are read (audio under ``audio/``,
  ``TinySOL/`` or the root).
- Labels: ``instrument`` = ``Instrument (in full)`` in words (``Clarinet in Bb`` -> ``clarinet in bb``), one of the
  14 (``values``; the Zenodo card's spellings ``Violoncello`` and ``Clarinet in B-flat`` are known too);
  ``instrument_family`` = ``Family`` as a singular noun (Brass -> brass, Keyboards -> keyboard, Strings -> string,
  Winds -> wind); ``technique`` = ``Technique (in full)`` through ``vocab.technique`` (TinySOL holds only
  ``ordinario``: it feeds technique classification one class and cannot feed technique comparison; OrchideaSOL,
  recipe ``orchideasol``, is the release with the other techniques); ``pitch`` = ``Pitch ID`` (MIDI); ``fold`` =
  ``Fold``.
- Split: the corpus gives an official five-fold split (0-4) for cross-validation. Rule used here: fold 0 -> test,
  fold 1 -> dev, folds 2-4 -> train.
- Problems: a row with a bad fold or pitch (``bad_metadata``), an instrument not of the 14 or a technique other than
  ordinario (``bad_label``: ``values`` promises these), a row whose wav is absent (``missing_audio``), a wav no row
  lists (``missing_label``).
"""

from __future__ import annotations

import csv
import io
import posixpath
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_CSV_PLACES = ("TinySOL_metadata.csv", "annotation/TinySOL_metadata.csv")
_AUDIO_PLACES = ("audio", "TinySOL", "")
_FAMILIES = {"brass": "brass", "keyboards": "keyboard", "strings": "string", "winds": "wind"}
_FOLD_SPLITS = {0: "test", 1: "dev", 2: "train", 3: "train", 4: "train"}
# ``Instrument (in full)`` in words: the 14 of the release (v6.0 spellings, then the card's other names for two).
_INSTRUMENTS = frozenset(
    {
        "accordion",
        "alto saxophone",
        "bass tuba",
        "bassoon",
        "cello",
        "clarinet in bb",
        "contrabass",
        "flute",
        "french horn",
        "oboe",
        "trombone",
        "trumpet in c",
        "viola",
        "violin",
    }
    | {"violoncello", "clarinet in b-flat"}
)


@register
class TinySOL(Recipe):
    name = "tinysol"
    domain = "music"
    source = ["studio"]
    number = 145
    license = "CC-BY-4.0"
    citation = r"""@misc{cella2020tinysol,
  title = {{TinySOL}: an audio dataset of isolated musical notes},
  author = {Cella, Carmine Emanuele and Ghisi, Daniele and Lostanlen, Vincent and L{\'e}vy, Fabien and Fineberg,
    Joshua and Maresz, Yan},
  publisher = {Zenodo},
  year = {2020},
  doi = {10.5281/zenodo.3685367}
}"""
    provides = frozenset({"instrument", "instrument_family", "technique", "pitch", "fold"})
    # Never a voice, one technique: coverage and the plan then leave out vocal technique and technique comparison.
    values = {"instrument": _INSTRUMENTS, "technique": frozenset({"ordinario"})}

    def _csv(self) -> str | None:
        return next((p for p in _CSV_PLACES if self.root.exists(p)), None)

    def check_layout(self) -> list[str]:
        if self._csv() is None:
            return [f"tinysol: no TinySOL_metadata.csv (nor annotation/TinySOL_metadata.csv) under {self.root.uri}"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        index = self._csv()
        if index is None:
            return
        base = next(d for d in _AUDIO_PLACES if d == "" or self.root.isdir(d))
        wavs = self.root.find(base, ".wav")
        listed: set[str] = set()
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for line_no, row in enumerate(csv.DictReader(io.StringIO(self.root.read_text(index))), 2):
            where = f"{index}:{line_no}"
            path = (row.get("Path") or "").strip()
            fold, pitch = (row.get("Fold") or "").strip(), (row.get("Pitch ID") or "").strip()
            if not path or not fold.isdigit() or int(fold) not in _FOLD_SPLITS or not pitch.isdigit():
                problems.append(Problem(where, "bad_metadata", "expected a Path, a Fold 0-4 and an integer Pitch ID"))
                continue
            audio = posixpath.join(base, path)
            listed.add(audio)
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{where} lists {path}"))
                continue
            instrument = vocab.words(row.get("Instrument (in full)") or "")
            try:
                technique = vocab.technique(row.get("Technique (in full)") or row.get("Technique (abbr.)") or "")
                if technique != "ordinario":
                    raise ValueError(f"technique {technique!r}: TinySOL holds ordinario notes only")
                if instrument not in _INSTRUMENTS:
                    raise ValueError(f"instrument {instrument!r} is not one of TinySOL's 14")
            except ValueError as e:
                problems.append(Problem(where, "bad_label", str(e)))
                continue
            family = (row.get("Family") or "").strip()
            meta = {
                "instrument": instrument,
                "instrument_family": _FAMILIES.get(family.lower(), vocab.words(family)),
                "technique": technique,
                "pitch": int(pitch),
                "fold": int(fold),
            }
            rec_id = posixpath.splitext(posixpath.basename(path))[0]
            recordings.append(Recording(rec_id, audio, _FOLD_SPLITS[int(fold)], compact(meta), wavs[audio]))
        for audio in wavs:
            if audio not in listed:
                problems.append(Problem(audio, "missing_label", f"no {index} row lists this wav"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
