"""What a segment holds, measured: speech (silero-vad), silence (frame energy), peak; and the answers that follow.

The rules, in one place so that every answer agrees with the others:

- **silent**: peak below ``SILENT_PEAK_DBFS`` or at least ``SILENT_RATIO`` of the 25 ms frames below
  ``vad.SILENT_FRAME_DBFS``. A silent segment holds no speech and its class is ``silence``, whatever its corpus.
- **contains speech**: not silent, and the VAD finds at least ``MIN_SPEECH_S`` of speech in all, or speech over at least
  ``SPEECH_MAJORITY`` of a shorter segment (a spoken digit is 0.3 s). Where the corpus labels the content itself
  (metadata ``content_class``, e.g. from the AudioSet ontology), that label decides instead: ``speech`` holds speech,
  any other class does not.
- **class** (speech / silence / music / noise): ``silence`` when silent; else the corpus's ``content_class`` where it
  has one; else ``music`` for a music corpus (a singing voice is music there, though a speech VAD flags it); else
  ``speech`` when the segment contains speech and either comes from a speech corpus or is mostly speech
  (``SPEECH_MAJORITY`` of its duration: a crowd talking in a Clotho clip); else ``noise``.

So ``speech`` as a class always comes with "contains speech", and ``silence`` never does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from audioflan_ray.audio import vad

SILENT_PEAK_DBFS = -60.0
SILENT_RATIO = 0.95
MIN_SPEECH_S = 0.5  # in all: one 0.3 s burst in a 4 s synth note is a VAD slip, not speech
SPEECH_MAJORITY = 0.5
CLASSES = ("speech", "silence", "music", "noise")
DOMAIN_HINT = {"speech": "speech", "music": "music", "audio": "noise"}
#: The keys ``Content.to_json`` writes into ``other.quality`` (null there where no task asked for the measurement).
FIELDS = ("duration_s", "peak_dbfs", "content_silence_ratio", "speech_ratio", "speech_segments")


@dataclass(frozen=True)
class Content:
    """The measurement of one segment (times in seconds from its first sample)."""

    duration_s: float
    peak_dbfs: float
    silence_ratio: float
    speech_segments: tuple[tuple[float, float], ...]

    @property
    def speech_s(self) -> float:
        return sum(e - s for s, e in self.speech_segments)

    @property
    def speech_ratio(self) -> float:
        return min(1.0, self.speech_s / self.duration_s) if self.duration_s > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        """The fields ``other.quality`` records (``speech_segments`` as ``[[start_s, end_s], ...]``)."""
        return {
            "duration_s": round(self.duration_s, 6),
            "peak_dbfs": round(self.peak_dbfs, 2),
            "content_silence_ratio": round(self.silence_ratio, 4),
            "speech_ratio": round(self.speech_ratio, 4),
            "speech_segments": [[s, e] for s, e in self.speech_segments],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Content:
        return cls(
            duration_s=float(data["duration_s"]),
            peak_dbfs=float(data["peak_dbfs"]),
            silence_ratio=float(data["content_silence_ratio"]),
            speech_segments=tuple((float(s), float(e)) for s, e in data["speech_segments"]),
        )


def measure(samples: np.ndarray, rate: int) -> Content:
    """Measure a mono segment (no VAD on a silent one: there is nothing to find)."""
    x = np.asarray(samples, dtype=np.float32)
    peak = vad.peak_dbfs(x)
    ratio = vad.silence_ratio(x, rate)
    segments = () if peak < SILENT_PEAK_DBFS else tuple(vad.speech_segments(x, rate))
    return Content(len(x) / rate, peak, ratio, segments)


def is_silent(c: Content) -> bool:
    return c.peak_dbfs < SILENT_PEAK_DBFS or c.silence_ratio >= SILENT_RATIO


def _hint(meta: dict[str, Any]) -> str | None:
    value = str(meta.get("content_class") or "").strip().lower()
    if value and value not in CLASSES:
        raise ValueError(f"content_class {value!r} is not one of {CLASSES}")
    return value or None


def has_speech(c: Content, meta: dict[str, Any] | None = None) -> bool:
    """Whether the segment contains speech (the module docstring gives the rule)."""
    if is_silent(c):
        return False
    label = _hint(meta or {})
    if label is not None:
        return label == "speech"
    return c.speech_s >= MIN_SPEECH_S or (c.speech_s > 0 and c.speech_ratio >= SPEECH_MAJORITY)


def content_class(c: Content, domain: str, meta: dict[str, Any] | None = None) -> str:
    """speech / silence / music / noise for a segment of a ``domain`` corpus (the module docstring gives the rule)."""
    if is_silent(c):
        return "silence"
    label = _hint(meta or {})
    if label is not None:
        return label
    hint = DOMAIN_HINT[domain]
    if hint == "music":
        return "music"
    if has_speech(c) and (hint == "speech" or c.speech_ratio >= SPEECH_MAJORITY):
        return "speech"
    return "noise"
