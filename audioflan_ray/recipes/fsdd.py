"""Free Spoken Digit Dataset (FSDD) — English spoken digits 0-9, 8 kHz WAV.

- Source: https://github.com/Jakobovski/free-spoken-digit-dataset (CC BY-SA 4.0).
- Native layout: ``recordings/{digit}_{speaker}_{index}.wav``; there is no index file, every label is in the
  file name.
- Labels: the digit (and its English word as the transcript: 7 -> "seven"), the speaker name, the take index.
  Gender and accent come from the speaker table of the upstream ``metadata.py`` (all six speakers male), with its
  accent codes in words (``USA/neutral`` -> American, ``BEL/French`` -> Belgian French, ``DEU/German`` -> German,
  ``GRC/Greek`` -> Greek); a speaker not in the table gets neither (not an error).
- Split: the official README rule, takes 0-4 -> test, 5-49 -> train.
- Problems: a ``.wav`` whose name does not match the pattern -> ``bad_filename``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_NAME = re.compile(r"^(?P<digit>[0-9])_(?P<speaker>[A-Za-z]+)_(?P<take>[0-9]+)\.wav$")
_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_SPEAKERS = {
    "jackson": ("male", "American"),
    "nicolas": ("male", "Belgian French"),
    "theo": ("male", "American"),
    "yweweler": ("male", "German"),
    "george": ("male", "Greek"),
    "lucas": ("male", "German"),
}
_TEST_TAKES = range(5)


@register
class FSDD(Recipe):
    name = "fsdd"
    domain = "speech"
    source = ["crowdsourced"]
    number = 20
    license = "CC-BY-SA-4.0"
    citation = r"""@misc{jackson2018fsdd,
  title = {Jakobovski/free-spoken-digit-dataset: v1.0.8},
  author = {Jackson, Zohar and Souza, C{\'e}sar and Flaks, Jason and Pan, Yuxin and Nicolas, Hereman and
            Thite, Adhish},
  publisher = {Zenodo},
  year = {2018},
  doi = {10.5281/zenodo.1342401}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset({"transcript", "digit", "speaker", "gender", "accent", "language", "language_code", "take"})

    def check_layout(self) -> list[str]:
        if not self.root.glob("recordings/*.wav"):
            return [f"fsdd: no recordings/*.wav under {self.root.uri}"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for audio, size in self.root.find("recordings", ".wav").items():
            match = _NAME.match(posixpath.basename(audio))
            if match is None or posixpath.dirname(audio) != "recordings":
                problems.append(Problem(audio, "bad_filename", "expected recordings/{digit}_{speaker}_{index}.wav"))
                continue
            digit, speaker, take = int(match["digit"]), match["speaker"], int(match["take"])
            gender, accent = _SPEAKERS.get(speaker, (None, None))
            meta = compact(
                {
                    "transcript": _WORDS[digit],
                    "digit": digit,
                    "speaker": speaker,
                    "gender": gender,
                    "accent": accent,
                    "language": "English",
                    "language_code": "en",
                    "take": take,
                }
            )
            split = "test" if take in _TEST_TAKES else "train"
            recordings.append(Recording(posixpath.basename(audio)[: -len(".wav")], audio, split, meta, size))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
