"""OrchideaSOL — 13,265 single notes of 16 orchestral instruments from Ircam's Studio On Line, in 52 playing
techniques (ordinario, tremolo, pizzicati, flatterzunge, harmonics, col legno...), with and without mutes.

- Source: https://zenodo.org/record/3686252 (metadata, Cella et al., 2020) and the audio archive
  ``_OrchideaSOL2020_release.zip`` from https://forum.ircam.fr/projects/detail/orchideasol/ (free registration).
  Licence: the metadata CC BY 4.0; the audio under the Ircam Forum licence
  (https://forum.ircam.fr/legal/contrat-de-licence-forum-ircam/), which allows research and education but not
  redistribution of the sounds: check it before publishing a build.
- Native layout: ``OrchideaSOL_metadata.csv`` (comma-separated, CRLF, header ``Path,Fold,Family (abbr.),Family (in
  full),Instrument (abbr.),Instrument (in full),Technique (abbr.),Technique (in full),Pitch,Pitch ID (if applicable),
  Dynamics,Dynamics ID (if applicable),Instance ID,Mute (abbr.),Mute (in full),String ID (if applicable),Needed
  digital retuning``; read by name) and the unpacked archive ``_OrchideaSOL2020_release/OrchideaSOL2020/`` holding
  ``<Family>/<Instrument>[+<mute>]/<technique>/<file>.wav``, the ``Path`` column (e.g.
  ``Strings/Violoncello+sordina/tremolo/Vc+S-trem-A3-mf-1c-N.wav``). Audio is looked up under
  ``_OrchideaSOL2020_release/OrchideaSOL2020/``, ``OrchideaSOL2020/``, ``audio/`` or the root; the CSV at the root or
  in ``annotation/`` (mirdata's arrangement).
- Labels: ``instrument`` = ``Instrument (in full)`` in words (``Clarinet in Bb`` -> ``clarinet in bb``), one of the
  16 the release holds (``values``); ``instrument_family`` = ``Family (abbr.)`` as a singular noun (Strings ->
  string, PluckedStrings -> plucked string, Winds -> wind, Keyboards -> keyboard, Brass -> brass); ``technique`` =
  ``Technique (in full)`` through ``vocab.technique``, followed by the mute where one is on (``Mute (in full)``:
  ``ordinario with cup mute``), since a muted note is played and sounds otherwise; ``pitch`` = ``Pitch ID (if
  applicable)`` (MIDI, written ``69.0``; empty for unpitched sounds and two-pitch multiphonics, which then have no
  pitch); ``fold`` = ``Fold``.
- Split: the corpus's official five-fold split (0-4), balanced by instrument, pitch range and dynamics. Rule used here
  as for TinySOL: fold 0 -> test, fold 1 -> dev, folds 2-4 -> train.
- Problems: a row with a bad fold or pitch (``bad_metadata``), an unknown instrument, technique or mute
  (``bad_label``), a row whose wav is absent (``missing_audio``), a wav no row lists (``missing_label``).
"""

from __future__ import annotations

import csv
import io
import posixpath
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_CSV_PLACES = ("OrchideaSOL_metadata.csv", "annotation/OrchideaSOL_metadata.csv")
_AUDIO_PLACES = ("_OrchideaSOL2020_release/OrchideaSOL2020", "OrchideaSOL2020", "audio", "")
_FAMILIES = {
    "brass": "brass",
    "keyboards": "keyboard",
    "pluckedstrings": "plucked string",
    "strings": "string",
    "winds": "wind",
}
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
        "guitar",
        "harp",
        "oboe",
        "trombone",
        "trumpet in c",
        "viola",
        "violin",
    }
)
#: ``Mute (in full)`` -> the words after "with" (Sordina is the plain mute of strings and woodwinds, Piombo the heavy
#: practice mute; the others are brass mutes).
_MUTES = {
    "none": "",
    "sordina": "mute",
    "piombo": "heavy mute",
    "straight": "straight mute",
    "cup": "cup mute",
    "harmon": "harmon mute",
    "wah": "wah-wah mute",
}
_FOLD_SPLITS = {0: "test", 1: "dev", 2: "train", 3: "train", 4: "train"}


def _midi(value: str) -> int | None:
    """``Pitch ID (if applicable)``: a whole number written as a float, or empty (no single pitch)."""
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"Pitch ID {value!r} is not a number") from None
    if not number.is_integer() or not 0 <= number <= 127:
        raise ValueError(f"Pitch ID {value!r} is not a MIDI note")
    return int(number)


@register
class OrchideaSOL(Recipe):
    name = "orchideasol"
    domain = "music"
    source = ["studio"]
    number = 149
    license = "CC-BY-4.0 (metadata); audio under the Ircam Forum License (research use, sounds not redistributed)"
    citation = r"""@inproceedings{cella2020orchideasol,
  title = {{OrchideaSOL}: a dataset of extended instrumental techniques for computer-aided orchestration},
  author = {Cella, Carmine Emanuele and Ghisi, Daniele and Lostanlen, Vincent and L{\'e}vy, Fabien and Fineberg,
    Joshua and Maresz, Yan},
  booktitle = {Proceedings of the International Computer Music Conference (ICMC)},
  year = {2020},
  note = {arXiv:2007.00763}
}"""
    provides = frozenset({"instrument", "instrument_family", "technique", "pitch", "fold"})
    values = {"instrument": _INSTRUMENTS, "instrument_family": frozenset(_FAMILIES.values())}

    def _csv(self) -> str | None:
        return next((p for p in _CSV_PLACES if self.root.exists(p)), None)

    def check_layout(self) -> list[str]:
        if self._csv() is None:
            return [
                f"orchideasol: no OrchideaSOL_metadata.csv (nor annotation/OrchideaSOL_metadata.csv) under "
                f"{self.root.uri}; is this the OrchideaSOL root?"
            ]
        return []

    def _labels(self, row: dict[str, str]) -> dict[str, str]:
        """Instrument, family and technique in words; ValueError names the label the vocabulary lacks."""
        instrument = vocab.words(row.get("Instrument (in full)") or "")
        if instrument not in _INSTRUMENTS:
            raise ValueError(f"instrument {row.get('Instrument (in full)')!r} is not one of OrchideaSOL's 16")
        family = (row.get("Family (abbr.)") or "").strip()
        if family.lower() not in _FAMILIES:
            raise ValueError(f"family {family!r} is not one of {sorted(_FAMILIES)}")
        technique = vocab.technique(row.get("Technique (in full)") or row.get("Technique (abbr.)") or "")
        mute = (row.get("Mute (in full)") or "None").strip()
        if mute.lower() not in _MUTES:
            raise ValueError(f"mute {mute!r} is not one of {sorted(_MUTES)}")
        with_mute = _MUTES[mute.lower()]
        return {
            "instrument": instrument,
            "instrument_family": _FAMILIES[family.lower()],
            "technique": f"{technique} with {with_mute}" if with_mute else technique,
        }

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
            fold = (row.get("Fold") or "").strip()
            try:
                pitch_id = (row.get("Pitch ID (if applicable)") or "").strip()
                pitch = _midi(pitch_id) if pitch_id else None
            except ValueError as e:
                problems.append(Problem(where, "bad_metadata", str(e)))
                continue
            if not path or not fold.isdigit() or int(fold) not in _FOLD_SPLITS:
                problems.append(Problem(where, "bad_metadata", "expected a Path and a Fold 0-4"))
                continue
            audio = posixpath.join(base, path)
            listed.add(audio)
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{where} lists {path}"))
                continue
            try:
                labels = self._labels(row)
            except ValueError as e:
                problems.append(Problem(where, "bad_label", str(e)))
                continue
            meta = {**labels, "pitch": pitch, "fold": int(fold)}
            rec_id = posixpath.splitext(posixpath.basename(path))[0]
            recordings.append(Recording(rec_id, audio, _FOLD_SPLITS[int(fold)], compact(meta), wavs[audio]))
        for audio in wavs:
            if audio not in listed:
                problems.append(Problem(audio, "missing_label", f"no {index} row lists this wav"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
