"""AISHELL-3 — 85 hours of read Mandarin by 218 speakers for multi-speaker TTS, 44.1 kHz WAV.

- Source: https://www.openslr.org/93 (SLR93), Apache License 2.0.
- Native layout (the root is the extracted ``data_aishell3.tgz``: the folder holding ``spk-info.txt``, or its parent
  ``data_aishell3``): ``{train,test}/wav/SSB<4 digits>/SSB<8 digits>.wav``; ``{train,test}/content.txt`` with lines
  ``<file>.wav<TAB><char> <pinyin> <char> <pinyin> ...`` (one character, or an erhua pair like ``点儿``, then its
  tone-numbered pinyin); ``spk-info.txt``: ``#`` comment lines, then ``<speaker> <age group> <gender> <accent>``
  (age groups ``A`` < 14, ``B`` 14-25, ``C`` 26-40, ``D`` > 40; accents ``north`` / ``south`` / ``others``).
  ``train/label_train-set.txt`` (prosody labels) is not read.
- Labels: ``transcript`` is the characters joined; ``pinyin`` the tone-numbered syllables as written; ``phonemes``
  the IPA of that pinyin (``recipes/_pinyin.py``: the standard pinyin-to-IPA table, Chao tone letters), so that
  Phonetic Recognition answers in IPA as its instructions say (a row whose pinyin that table cannot read keeps its
  other labels and has no ``phonemes``); speaker ``aishell3_SSB0005``; gender; age as the band the group stands for
  (``vocab.age_band``: ``under 14``, ``14-25``, ``26-40``, ``over 40``); accent ``Northern`` / ``Southern``
  (``others`` -> absent); language Mandarin Chinese.
- Split: the corpus's own ``train`` / ``test`` folders (no dev set; its test speakers also appear in train).
- Problems: a content line whose wav is absent (``missing_audio``), a wav no content line names
  (``missing_transcript``), a line that is not ``<file>.wav<TAB>`` with character / pinyin pairs
  (``bad_transcript``), a spk-info row with an unknown gender, age group or accent (``unknown_label``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes._pinyin import to_ipa
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SPLITS = ("train", "test")
#: age group letter -> (lowest, highest) age in years, per the corpus README
_AGE_GROUPS = {"A": (None, 13), "B": (14, 25), "C": (26, 40), "D": (41, None)}


@register
class Aishell3(Recipe):
    name = "aishell3"
    domain = "speech"
    source = ["studio"]
    number = 122
    license = "Apache-2.0"
    citation = r"""@inproceedings{shi2021aishell3,
  title = {{AISHELL-3}: A Multi-Speaker {Mandarin} {TTS} Corpus},
  author = {Shi, Yao and Bu, Hui and Xu, Xin and Zhang, Shaoji and Li, Ming},
  booktitle = {Proc. Interspeech 2021},
  pages = {2756--2760},
  year = {2021},
  doi = {10.21437/Interspeech.2021-755}
}"""
    values = {"language": frozenset({"Mandarin Chinese"})}
    provides = frozenset(
        {"transcript", "pinyin", "phonemes", "speaker", "gender", "age", "accent", "language", "language_code"}
    )

    @cached_property
    def _base(self) -> str:
        return "data_aishell3/" if self.root.isdir("data_aishell3") else ""

    def check_layout(self) -> list[str]:
        if not any(self.root.exists(f"{self._base}{s}/content.txt") for s in _SPLITS):
            return [f"aishell3: no train/content.txt or test/content.txt under {self.root.uri} (nor data_aishell3/)"]
        return []

    def parts(self) -> list[str]:
        return [s for s in _SPLITS if self.root.exists(f"{self._base}{s}/content.txt")]

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    @cached_property
    def _speakers(self) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
        path = self._base + "spk-info.txt"
        if not self.root.exists(path):
            return {}, []
        speakers: dict[str, dict[str, Any]] = {}
        problems: list[Problem] = []
        for line_no, line in enumerate(self.root.read_text(path).splitlines(), 1):
            cols = line.split()
            if not cols or line.lstrip().startswith("#"):
                continue
            try:
                if len(cols) != 4 or cols[1] not in _AGE_GROUPS:
                    raise ValueError(f"expected '<speaker> <A|B|C|D> <gender> <accent>': {line!r}")
                accent = cols[3]
                speakers[cols[0]] = {
                    "age": vocab.age_band(*_AGE_GROUPS[cols[1]]),
                    "gender": vocab.gender(cols[2]),
                    "accent": None if accent.lower() == "others" else vocab.accent(accent),
                }
            except ValueError as err:
                problems.append(Problem(f"{path}:{line_no}", "unknown_label", str(err)))
        return speakers, problems

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        parts = self.parts()
        if part not in parts:
            raise ValueError(f"{self.name}: unknown part {part!r}")
        speakers, problems = self._speakers
        problems = list(problems) if part == parts[0] else []
        folder = f"{self._base}{part}/"
        wavs = self.root.find(folder + "wav", ".wav")
        by_name = {posixpath.basename(p): p for p in wavs}
        named: set[str] = set()
        recordings: list[Recording] = []
        for line_no, line in enumerate(self.root.read_text(folder + "content.txt").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{folder}content.txt:{line_no}"
            name, _, labels = line.strip().partition("\t")
            tokens = labels.split()
            if not name.endswith(".wav") or not tokens or len(tokens) % 2:
                problems.append(Problem(where, "bad_transcript", "expected '<file>.wav<TAB><char> <pinyin> ...'"))
                continue
            named.add(name)
            if name not in by_name:
                problems.append(Problem(f"{folder}wav/{name[:7]}/{name}", "missing_audio", f"{where} names {name}"))
                continue
            pinyin = " ".join(tokens[1::2])
            try:
                phonemes: str | None = to_ipa(pinyin)
            except ValueError:
                phonemes = None
            speaker = name[:7]
            meta = compact(
                {
                    "transcript": "".join(tokens[0::2]),
                    "pinyin": pinyin,
                    "phonemes": phonemes,
                    "speaker": vocab.speaker(self.name, speaker),
                    **speakers.get(speaker, {}),
                    "language": "Mandarin Chinese",
                    "language_code": "cmn",
                }
            )
            audio = by_name[name]
            recordings.append(Recording(name[: -len(".wav")], audio, part, meta, wavs[audio]))
        for name, audio in by_name.items():
            if name not in named:
                problems.append(Problem(audio, "missing_transcript", f"no {folder}content.txt line names {name}"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
