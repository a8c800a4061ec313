"""Fluent Speech Commands — spoken smart-home commands with their intent (action, object, location), 16 kHz WAV.

- Source: https://fluent.ai/fluent-speech-commands-a-dataset-for-spoken-language-understanding-research/ under the
  Fluent Speech Commands Public License: academic research only, NON-COMMERCIAL.
- Native layout (the root may be ``fluent_speech_commands_dataset/`` or its parent): ``wavs/speakers/<speakerId>/
  <uuid>.wav``; ``data/train_data.csv``, ``data/valid_data.csv``, ``data/test_data.csv`` — comma-separated with a
  header whose first column is an unnamed row index: ``,path,speakerId,transcription,action,object,location``
  (``path`` relative to the dataset folder); ``data/speaker_demographics.csv``: ``speakerId``, self-reported fluency,
  first language, current language, ``gender`` (``male`` / ``female``), ``ageRange`` (``22-40``, ``41-65``, ``65+``).
- Labels: transcript as written; ``intent`` = ``action: <action>, object: <object>, location: <location>`` with the
  slot values as written (``none`` when the command names no object or location); speaker
  (``fluent_speech_commands_<speakerId>``); gender from the demographics. ``ageRange`` is not kept: its bands do not
  map to the age groups of the vocabulary (22-40 spans three of them).
- Split: the csv (official, speaker-disjoint): train / valid -> dev / test.
- Problems: a row whose wav is absent (``missing_audio``), a row without path, transcription or action
  (``bad_row``).
"""

from __future__ import annotations

import csv
import posixpath
from collections.abc import Iterator
from functools import cached_property

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SPLITS = (("train_data.csv", "train"), ("valid_data.csv", "dev"), ("test_data.csv", "test"))
_FOLDER = "fluent_speech_commands_dataset"


@register
class FluentSpeechCommands(Recipe):
    name = "fluent_speech_commands"
    domain = "speech"
    source = ["crowdsourced"]
    number = 104
    license = "Fluent Speech Commands Public License (academic research only, non-commercial)"
    citation = r"""@inproceedings{lugosch2019fsc,
  title = {Speech Model Pre-training for End-to-End Spoken Language Understanding},
  author = {Lugosch, Loren and Ravanelli, Mirco and Ignoto, Patrick and Tomar, Vikrant Singh and Bengio, Yoshua},
  booktitle = {Proc. Interspeech 2019},
  pages = {814--818},
  year = {2019},
  doi = {10.21437/Interspeech.2019-2396}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset({"transcript", "intent", "speaker", "gender", "language", "language_code"})

    @cached_property
    def base(self) -> str:
        return _FOLDER + "/" if self.root.isdir(_FOLDER) else ""

    def check_layout(self) -> list[str]:
        if not any(self.root.exists(f"{self.base}data/{name}") for name, _ in _SPLITS):
            return [
                f"fluent_speech_commands: no data/train_data.csv (nor valid, test) under {self.root.uri} "
                f"(nor {_FOLDER}/)"
            ]
        return []

    def _genders(self) -> dict[str, str]:
        path = f"{self.base}data/speaker_demographics.csv"
        if not self.root.exists(path):
            return {}
        out = {}
        for row in csv.DictReader(self.root.read_text(path).splitlines()):
            found = vocab.gender(row.get("gender") or "")
            if found and (row.get("speakerId") or "").strip():
                out[row["speakerId"].strip()] = found
        return out

    def scan(self) -> Iterator[Recording | Problem]:
        genders = self._genders()
        wavs = self.root.find(f"{self.base}wavs", ".wav")
        recordings: dict[str, Recording] = {}
        problems: list[Problem] = []
        for name, split in _SPLITS:
            index = f"{self.base}data/{name}"
            if not self.root.exists(index):
                continue
            for row_no, row in enumerate(csv.DictReader(self.root.read_text(index).splitlines()), 2):
                where = f"{index}:{row_no}"
                rel = (row.get("path") or "").strip()
                text = vocab.text(row.get("transcription") or "")
                slots = [(k, (row.get(k) or "").strip()) for k in ("action", "object", "location")]
                if not rel or not text or not slots[0][1]:
                    problems.append(Problem(where, "bad_row", "row without path, transcription or action"))
                    continue
                audio = self.base + rel
                if audio not in wavs:
                    problems.append(Problem(audio, "missing_audio", f"{where} names {rel}, no wav"))
                    continue
                speaker = (row.get("speakerId") or "").strip() or rel.split("/")[-2]
                meta = compact(
                    {
                        "transcript": text,
                        "intent": ", ".join(f"{k}: {v or 'none'}" for k, v in slots),
                        "speaker": vocab.speaker(self.name, speaker),
                        "gender": genders.get(speaker),
                        "language": "English",
                        "language_code": "en",
                    }
                )
                rec_id = posixpath.splitext(posixpath.basename(rel))[0]
                recordings.setdefault(rec_id, Recording(rec_id, audio, split, meta, wavs[audio]))
        yield from sorted(recordings.values(), key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
