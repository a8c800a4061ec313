"""LJ Speech 1.1 — single-speaker English audiobook speech.

- Source: https://keithito.com/LJ-Speech-Dataset/ (public domain: texts published 1884-1964, audio by LibriVox).
- Native layout: ``LJSpeech-1.1/metadata.csv`` (pipe-separated ``id|raw text|normalized text``, no header, quotes
  are literal characters) and ``LJSpeech-1.1/wavs/<id>.wav`` (22.05 kHz, 16-bit mono). The root may be the
  ``LJSpeech-1.1`` folder itself or its parent.
- Labels: the normalized transcript as written, whitespace collapsed (``raw_transcript`` keeps the original); one
  speaker, ``ljspeech_LJ`` (``vocab.speaker``), female, with an American accent (per the corpus README).
- Split: the corpus defines none and has one speaker, so no split can hold speakers out:
  ``hash_split(recording_id)`` (5 % dev, 5 % test). Tasks that test on unseen voices cannot use it for that.
"""

from __future__ import annotations

from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_SPEAKER = vocab.speaker("ljspeech", "LJ")


@register
class LJSpeech(Recipe):
    name = "ljspeech"
    domain = "speech"
    source = ["audiobook"]
    number = 10
    license = "Public Domain"
    citation = r"""@misc{ito2017ljspeech,
  title = {The {LJ} Speech Dataset},
  author = {Ito, Keith and Johnson, Linda},
  howpublished = {\url{https://keithito.com/LJ-Speech-Dataset/}},
  year = {2017}
}"""
    values = {"speaker": frozenset({_SPEAKER}), "language": frozenset({"English"})}
    provides = frozenset({"transcript", "raw_transcript", "speaker", "gender", "accent", "language", "language_code"})

    def _base(self) -> str:
        return "LJSpeech-1.1/" if self.root.exists("LJSpeech-1.1/metadata.csv") else ""

    def check_layout(self) -> list[str]:
        if not self.root.exists(self._base() + "metadata.csv"):
            return [f"ljspeech: no metadata.csv under {self.root.uri} (nor LJSpeech-1.1/metadata.csv)"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        base = self._base()
        wavs = self.root.find(base + "wavs", ".wav")
        for line_no, line in enumerate(self.root.read_text(base + "metadata.csv").splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split("|")
            if len(parts) < 2:
                yield Problem(f"{base}metadata.csv:{line_no}", "bad_metadata", f"expected id|text|text: {line!r}")
                continue
            rec_id, raw = parts[0].strip(), parts[1]
            normalized = parts[2] if len(parts) > 2 and parts[2].strip() else raw
            audio = f"{base}wavs/{rec_id}.wav"
            if audio not in wavs:
                yield Problem(audio, "missing_audio", f"metadata.csv:{line_no} names {rec_id} but {audio} is absent")
                continue
            meta = compact(
                {
                    "transcript": vocab.text(normalized),
                    "raw_transcript": raw,
                    "speaker": _SPEAKER,
                    "gender": "female",
                    "accent": vocab.accent("American"),
                    "language": "English",
                    "language_code": "en",
                }
            )
            yield Recording(rec_id, audio, hash_split(rec_id), meta, wavs[audio])
