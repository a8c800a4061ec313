"""Where speech and silence are in mono float audio: speech segments from silero-vad, silence from frame energy.

Pure functions, no Ray. silero-vad's wheel ships its model (nothing is downloaded); it runs at 16 or 8 kHz, so other
rates are resampled to 16 kHz first. The model is loaded once per process on first use and kept; a lock serializes
calls because the model carries state from one 32 ms window to the next within a call.
"""

from __future__ import annotations

import math
import threading
import warnings
from functools import cache
from typing import Any

import numpy as np

from audioflan_ray.audio import ops
from audioflan_ray.audio.quality import normalize_loudness
from audioflan_ray.audio.segment import frame_energy_db

VAD_RATES = (16000, 8000)
THRESHOLD = 0.5  # silero's speech probability threshold (its default)
MIN_SPEECH_S = 0.25  # shorter bursts are clicks or breaths, not speech
MIN_SILENCE_S = 0.1  # a pause shorter than this does not end a segment
PAD_S = 0.03  # silero's padding of each segment
# The VAD sees every signal at one loudness (BS.1770), so its answer does not depend on the recording's gain: silero
# misses quiet crowd speech (a Clotho bazaar clip at -29 LUFS) that it finds at -23 LUFS, where it still finds none in
# ESC-50, NSynth or the other Clotho clips. Transients driven past full scale are clipped; the speech band is not.
VAD_LUFS = -23.0
SILENT_FRAME_DBFS = -60.0  # a 25 ms frame whose RMS is below this is silence
FRAME_S, HOP_S = 0.025, 0.010

_LOCK = threading.Lock()


@cache
def _model() -> Any:
    from silero_vad import load_silero_vad

    with warnings.catch_warnings():  # torch deprecates jit.load, which silero's loader uses
        warnings.simplefilter("ignore", FutureWarning)
        return load_silero_vad(onnx=False)


def _mono(samples: np.ndarray, rate: int) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"want mono samples, got shape {x.shape}")
    if rate <= 0:
        raise ValueError(f"rate must be > 0, got {rate}")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples are not all finite")
    return x


def speech_segments(samples: np.ndarray, rate: int, threshold: float = THRESHOLD) -> list[tuple[float, float]]:
    """Speech segments ``[(start_s, end_s), ...]`` (seconds from the first sample, millisecond precision, sorted,
    disjoint) found by silero-vad. Silence (peak below ``SILENT_FRAME_DBFS``) has none."""
    x = _mono(samples, rate)
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak < 10 ** (SILENT_FRAME_DBFS / 20):
        return []
    if rate not in VAD_RATES:
        x, rate = ops.resample(x, rate, VAD_RATES[0]), VAD_RATES[0]
    if len(x) < rate // 31:  # shorter than one 512-sample (256 at 8 kHz) window
        return []
    import torch
    from silero_vad import get_speech_timestamps

    x = np.clip(normalize_loudness(x, rate, VAD_LUFS, peak_limit_dbfs=math.inf), -1.0, 1.0)
    audio = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    with _LOCK, torch.inference_mode():
        stamps = get_speech_timestamps(
            audio,
            _model(),
            threshold=threshold,
            sampling_rate=rate,
            min_speech_duration_ms=round(MIN_SPEECH_S * 1000),
            min_silence_duration_ms=round(MIN_SILENCE_S * 1000),
            speech_pad_ms=round(PAD_S * 1000),
        )
    return [(round(s["start"] / rate, 3), round(s["end"] / rate, 3)) for s in stamps]


def silent_frames(samples: np.ndarray, rate: int, floor_dbfs: float = SILENT_FRAME_DBFS) -> np.ndarray:
    """Per 25 ms frame (10 ms hop): True where the frame's RMS is below ``floor_dbfs``."""
    x = _mono(samples, rate)
    if len(x) == 0:
        return np.ones(1, dtype=bool)
    frame, hop = max(1, round(FRAME_S * rate)), max(1, round(HOP_S * rate))
    return np.asarray(frame_energy_db(x, frame, hop) < floor_dbfs)


def silence_ratio(samples: np.ndarray, rate: int, floor_dbfs: float = SILENT_FRAME_DBFS) -> float:
    """Fraction of 25 ms frames (10 ms hop) whose RMS is below ``floor_dbfs`` (absolute: the same number means the
    same for every recording)."""
    return float(np.mean(silent_frames(samples, rate, floor_dbfs)))


def peak_dbfs(samples: np.ndarray) -> float:
    """Sample peak in dBFS, floored at -120."""
    x = np.asarray(samples)
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    return 20.0 * math.log10(max(peak, 1e-6))
