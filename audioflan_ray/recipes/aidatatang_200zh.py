"""aidatatang_200zh — 200 hours of Mandarin read speech from 600 speakers, mostly recorded on mobile phones, 16 kHz WAV.

- Source: https://www.openslr.org/62 (SLR62), Beijing DataTang Technology. Licence: CC BY-NC-ND 4.0
  (**non-commercial**, no derivatives).
- Native layout (the root is the ``aidatatang_200zh`` folder or its parent): ``corpus/{train,dev,test}/G<4 digits>/
  T0055G<4 digits>S<4 digits>.wav`` (the release ships one ``G####.tar.gz`` per speaker in each split folder,
  extracted in place), each with a ``.txt`` (its transcript) and a ``.metadata`` (recording and speaker details, not
  read: its fields are not documented in the release); ``transcript/aidatatang_200_zh_transcript.txt``:
  ``<utt> <word> <word> ...`` (word-segmented).
- Labels: the transcript is the line's words with the segmentation spaces between Chinese characters removed (spaces
  next to Latin letters or digits are kept); the segmented line is ``raw_transcript``. A wav without a line in the
  transcript file takes its own ``.txt``. Speaker ``aidatatang_200zh_G0002`` from the folder; language Mandarin
  Chinese.
- Split: the split folder, as the corpus defines it (7:1:2 by speaker).
- Problems: a wav with neither a transcript line nor a ``.txt`` (``missing_transcript``), a transcript line whose wav
  is in no split folder (``missing_audio``, reported with the last split), a wav outside ``<split>/G####/``
  (``bad_layout``), a malformed line (``bad_transcript``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from functools import cached_property

from audioflan_ray import vocab
from audioflan_ray.recipes.base import SPLITS, Problem, Recipe, Recording, compact, register

_TRANSCRIPT = "transcript/aidatatang_200_zh_transcript.txt"
_CJK = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]"
_SEGMENT_SPACE = re.compile(rf"(?<={_CJK}) +(?={_CJK})")


def unsegment(words: str) -> str:
    """Word-segmented Chinese as it is written: no spaces between CJK characters (``以后 你 是`` -> ``以后你是``)."""
    return _SEGMENT_SPACE.sub("", vocab.text(words))


@register
class Aidatatang200zh(Recipe):
    name = "aidatatang_200zh"
    domain = "speech"
    source = ["crowdsourced"]
    number = 123
    license = "CC-BY-NC-ND-4.0"
    citation = r"""@misc{datatang2019aidatatang,
  title = {aidatatang\_200zh: a free {Chinese} {Mandarin} speech corpus},
  author = {{Beijing DataTang Technology Co., Ltd}},
  howpublished = {OpenSLR resource SLR62, \url{https://www.openslr.org/62/}}
}"""
    values = {"language": frozenset({"Mandarin Chinese"})}
    provides = frozenset({"transcript", "raw_transcript", "speaker", "language", "language_code"})

    @cached_property
    def _base(self) -> str:
        return "aidatatang_200zh/" if self.root.isdir("aidatatang_200zh/corpus") else ""

    def check_layout(self) -> list[str]:
        if not self.root.exists(self._base + _TRANSCRIPT):
            return [f"aidatatang_200zh: no {_TRANSCRIPT} under {self.root.uri} (nor under aidatatang_200zh/)"]
        return []

    def parts(self) -> list[str]:
        return [s for s in SPLITS if self.root.isdir(f"{self._base}corpus/{s}")]

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def _files(self, split: str = "") -> dict[str, int]:
        return self.root.find(f"{self._base}corpus/{split}".rstrip("/"))

    @cached_property
    def _transcripts(self) -> tuple[dict[str, str], list[Problem]]:
        path = self._base + _TRANSCRIPT
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

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        parts = self.parts()
        if part not in parts:
            raise ValueError(f"{self.name}: unknown part {part!r}")
        texts, text_problems = self._transcripts
        problems = list(text_problems) if part == parts[0] else []
        prefix = f"{self._base}corpus/{part}/"
        listing = self._files(part)
        wavs = {p: s for p, s in listing.items() if p.endswith(".wav")}
        own = [p[: -len(".wav")] + ".txt" for p in wavs if posixpath.basename(p)[: -len(".wav")] not in texts]
        own_texts = dict(self.root.read_many([p for p in own if p in listing]))
        recordings: list[Recording] = []
        for audio, size in wavs.items():
            rel = audio[len(prefix) :].split("/")
            utt = posixpath.basename(audio)[: -len(".wav")]
            if len(rel) != 2 or not rel[0].startswith("G"):
                problems.append(Problem(audio, "bad_layout", f"expected corpus/{part}/G####/<utt>.wav"))
                continue
            raw = texts.get(utt) or vocab.text(own_texts.get(audio[: -len(".wav")] + ".txt", ""))
            if not raw:
                problems.append(Problem(audio, "missing_transcript", f"no {_TRANSCRIPT} line and no .txt for {utt}"))
                continue
            text = unsegment(raw)
            meta = compact(
                {
                    "transcript": text,
                    "raw_transcript": raw if raw != text else None,
                    "speaker": vocab.speaker(self.name, rel[0]),
                    "language": "Mandarin Chinese",
                    "language_code": "cmn",
                }
            )
            recordings.append(Recording(utt, audio, part, meta, size))
        if part == parts[-1]:
            found = {posixpath.basename(p)[: -len(".wav")] for p in self._files() if p.endswith(".wav")}
            for utt in sorted(set(texts) - found):
                problems.append(
                    Problem(f"{self._base}{_TRANSCRIPT}:{utt}", "missing_audio", f"no corpus/<split>/*/{utt}.wav")
                )
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
