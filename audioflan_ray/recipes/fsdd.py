"""Free Spoken Digit Dataset (FSDD) — English spoken digits 0-9, 8 kHz WAV.

- Source: https://github.com/Jakobovski/free-spoken-digit-dataset (CC BY-SA 4.0).
- Native layout: ``recordings/{digit}_{speaker}_{index}.wav``; there is no index file, every label is in the
  file name.
- Labels: the digit (and its English word as the transcript: 7 -> "seven"), the speaker (``vocab.speaker``:
  ``george`` -> ``fsdd_george``), the take index. Gender and accent come from the speaker table of the upstream
  ``metadata.py`` (all six speakers male), its accent codes in vocab's words (``USA/neutral`` -> American,
  ``BEL/French`` -> Belgian, ``DEU/German`` -> German, ``GRC/Greek`` -> Greek); a speaker not in the table gets
  neither (not an error).
- Split: held-out speakers, ``speaker_split("fsdd", speaker)`` (10 % dev, 10 % test), so no speaker crosses
  splits. The README's own rule (takes 0-4 -> test) puts every speaker in both train and test, which suits only
  closed-set speaker identification (whose template re-splits within speakers). With six speakers the hash puts
  ``lucas`` in dev and the other five in train, so this corpus has no test split.
- Problems: a ``.wav`` whose name does not match the pattern -> ``bad_filename``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register, speaker_split

_NAME = re.compile(r"^(?P<digit>[0-9])_(?P<speaker>[A-Za-z]+)_(?P<take>[0-9]+)\.wav$")
_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: speaker -> (gender, accent code) as the upstream metadata.py writes them
_SPEAKERS = {
    "jackson": ("male", "USA/neutral"),
    "nicolas": ("male", "BEL/French"),
    "theo": ("male", "USA/neutral"),
    "yweweler": ("male", "DEU/German"),
    "george": ("male", "GRC/Greek"),
    "lucas": ("male", "DEU/German"),
}
#: accent code -> its spelling in vocab
_ACCENTS = {"USA/neutral": "us", "BEL/French": "belgian", "DEU/German": "german", "GRC/Greek": "greek"}


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
        if not self.root.exists_glob("recordings/*.wav"):
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
            gender, code = _SPEAKERS.get(speaker, (None, None))
            meta = compact(
                {
                    "transcript": _WORDS[digit],
                    "digit": digit,
                    "speaker": vocab.speaker(self.name, speaker),
                    "gender": vocab.gender(gender) if gender else None,
                    "accent": vocab.accent(_ACCENTS[code]) if code else None,
                    "language": "English",
                    "language_code": "en",
                    "take": take,
                }
            )
            rec_id = posixpath.basename(audio)[: -len(".wav")]
            recordings.append(Recording(rec_id, audio, speaker_split(self.name, speaker), meta, size))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
