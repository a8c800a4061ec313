"""AISHELL-1 — 178 hours of read Mandarin speech by 400 speakers, 16 kHz WAV.

- Source: https://www.openslr.org/33 (SLR33), Apache License 2.0.
- Native layout (the root is the folder holding ``data_aishell/`` and ``resource_aishell/``, or ``data_aishell``
  itself, which has no speaker table):
  - ``data_aishell/wav/{train,dev,test}/S<4 digits>/BAC009S<4 digits>W<4 digits>.wav`` (the release ships one
    ``S####.tar.gz`` per speaker in each split folder; they are extracted in place);
  - ``data_aishell/transcript/aishell_transcript_v0.8.txt``: ``<utt> <word> <word> ...`` (word-segmented, spaces
    between words), one line per transcribed utterance; a few hundred wavs have no line;
  - ``resource_aishell/speaker.info``: ``<4-digit id> <M|F>`` per speaker (ids without the ``S``).
- Labels: the transcript is the line's words joined without spaces (Chinese is written without them; the segmented
  line is kept as ``raw_transcript``); speaker ``aishell1_S0002`` from the folder; gender from ``speaker.info``;
  language Mandarin Chinese.
- Split: the split folder, as the corpus defines it (its speakers are disjoint).
- Problems: a wav without a transcript line (``missing_transcript``), a transcript line whose wav is in no split
  folder (``missing_audio``, reported with the last split), a wav outside ``<split>/S####/`` (``bad_layout``), a
  malformed line (``bad_transcript``), a speaker.info line with an unknown gender (``unknown_label``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from functools import cached_property

from audioflan_ray import vocab
from audioflan_ray.recipes.base import SPLITS, Problem, Recipe, Recording, compact, register

_TRANSCRIPT = "transcript/aishell_transcript_v0.8.txt"


@register
class Aishell1(Recipe):
    name = "aishell1"
    domain = "speech"
    source = ["studio"]
    number = 121
    license = "Apache-2.0"
    citation = r"""@inproceedings{bu2017aishell1,
  title = {{AISHELL-1}: An Open-Source {Mandarin} Speech Corpus and a Speech Recognition Baseline},
  author = {Bu, Hui and Du, Jiayu and Na, Xingyu and Wu, Bengu and Zheng, Hao},
  booktitle = {20th Conference of the Oriental Chapter of the International Coordinating Committee on Speech Databases
    and Speech I/O Systems and Assessment (O-COCOSDA)},
  pages = {1--5},
  year = {2017},
  doi = {10.1109/ICSDA.2017.8384449}
}"""
    values = {"language": frozenset({"Mandarin Chinese"})}
    provides = frozenset({"transcript", "raw_transcript", "speaker", "gender", "language", "language_code"})

    @cached_property
    def _data(self) -> str:
        return "data_aishell/" if self.root.isdir("data_aishell") else ""

    def check_layout(self) -> list[str]:
        if not self.root.exists(self._data + _TRANSCRIPT):
            return [f"aishell1: no data_aishell/{_TRANSCRIPT} under {self.root.uri} (nor {_TRANSCRIPT})"]
        return []

    def parts(self) -> list[str]:
        return [s for s in SPLITS if self.root.isdir(f"{self._data}wav/{s}")]

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def _wavs(self, split: str = "") -> dict[str, int]:
        return self.root.find(f"{self._data}wav/{split}".rstrip("/"), ".wav")

    @cached_property
    def _transcripts(self) -> tuple[dict[str, str], list[Problem]]:
        path = self._data + _TRANSCRIPT
        texts: dict[str, str] = {}
        problems: list[Problem] = []
        for line_no, line in enumerate(self.root.read_text(path).splitlines(), 1):
            if not line.strip():
                continue
            cols = line.strip().split(None, 1)
            if len(cols) < 2:
                problems.append(Problem(f"{path}:{line_no}", "bad_transcript", f"expected 'ID WORDS': {line!r}"))
                continue
            texts[cols[0]] = vocab.text(cols[1])
        return texts, problems

    @cached_property
    def _genders(self) -> tuple[dict[str, str], list[Problem]]:
        """``S0002`` -> gender from ``resource_aishell/speaker.info`` (empty when the root holds no such file)."""
        path = "resource_aishell/speaker.info"
        if not self._data or not self.root.exists(path):
            return {}, []
        genders: dict[str, str] = {}
        problems: list[Problem] = []
        for line_no, line in enumerate(self.root.read_text(path).splitlines(), 1):
            cols = line.split()
            if len(cols) < 2:
                continue
            try:
                gender = vocab.gender(cols[1])
            except ValueError as err:
                problems.append(Problem(f"{path}:{line_no}", "unknown_label", str(err)))
                continue
            if gender:
                genders["S" + cols[0].removeprefix("S")] = gender
        return genders, problems

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        parts = self.parts()
        if part not in parts:
            raise ValueError(f"{self.name}: unknown part {part!r}")
        texts, text_problems = self._transcripts
        genders, gender_problems = self._genders
        problems = [*text_problems, *gender_problems] if part == parts[0] else []
        prefix = f"{self._data}wav/{part}/"
        recordings: list[Recording] = []
        for audio, size in self._wavs(part).items():
            rel = audio[len(prefix) :].split("/")
            utt = posixpath.basename(audio)[: -len(".wav")]
            if len(rel) != 2 or not rel[0].startswith("S"):
                problems.append(Problem(audio, "bad_layout", f"expected wav/{part}/S####/<utt>.wav"))
                continue
            if utt not in texts:
                problems.append(Problem(audio, "missing_transcript", f"no {_TRANSCRIPT} line for {utt}"))
                continue
            meta = compact(
                {
                    "transcript": texts[utt].replace(" ", ""),
                    "raw_transcript": texts[utt] if " " in texts[utt] else None,
                    "speaker": vocab.speaker(self.name, rel[0]),
                    "gender": genders.get(rel[0]),
                    "language": "Mandarin Chinese",
                    "language_code": "cmn",
                }
            )
            recordings.append(Recording(utt, audio, part, meta, size))
        if part == parts[-1]:
            found = {posixpath.basename(a)[: -len(".wav")] for a in self._wavs()}
            for utt in sorted(set(texts) - found):
                problems.append(
                    Problem(f"{self._data}{_TRANSCRIPT}:{utt}", "missing_audio", f"no wav/<split>/*/{utt}.wav")
                )
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
