"""Signal-quality measures of mono float audio (full scale = 1.0), loudness (ITU-R BS.1770-4) and a quality filter.

Levels are floored (``LEVEL_FLOOR_DB``) so that silent or empty input gives finite numbers, never NaN or inf.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

LEVEL_FLOOR_DB = -120.0
_POWER_FLOOR = 10 ** (LEVEL_FLOOR_DB / 10)  # 1e-12
SNR_CEIL_DB = 120.0
CLIP_LEVEL = 0.999
SILENCE_DBFS = -50.0
FRAME_S = 0.025
NOISE_FRACTION = 0.10
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0


def _db_power(ms: float) -> float:
    return 10.0 * math.log10(max(ms, _POWER_FLOOR))


def estimate_snr_db(samples: np.ndarray, rate: int) -> float:
    """SNR estimate by a percentile energy method (not WADA): split into 25 ms frames; the noise power is the mean
    power of the quietest 10 % of frames; the speech power is the total mean power minus that. Returns
    ``10 log10(speech / noise)`` with both powers floored at -120 dB, so the result lies in [-120, 120] dB.

    It needs pauses (at least ~10 % of the frames free of speech) to see the noise: on a recording without pauses
    the noise is overestimated and the SNR underestimated (the safe side for a filter). On LJ Speech mixed with
    white noise at 0/10/20 dB it is within about 1.1 dB (see tests/unit/test_quality.py).
    """
    x = np.asarray(samples, dtype=np.float32)
    if len(x) == 0:
        return 0.0
    power, total = _powers(x, rate)
    return _snr(power, total)


def _powers(x: np.ndarray, rate: int) -> tuple[np.ndarray, float]:
    """Mean square of each 25 ms frame (a trailing partial frame left out; a signal shorter than a frame is one
    frame) and of the whole signal: squares in float32, sums in float64 (one pass over the samples)."""
    sq = np.square(x, dtype=np.float32)
    total = float(sq.sum(dtype=np.float64)) / len(x)
    frame = max(1, int(round(FRAME_S * rate)))
    count = len(x) // frame
    if count == 0:
        return np.array([total]), total
    return sq[: count * frame].reshape(count, frame).sum(axis=1, dtype=np.float64) / frame, total


def _snr(power: np.ndarray, total: float) -> float:
    power = np.sort(power)
    noise = float(np.mean(power[: max(1, int(len(power) * NOISE_FRACTION))]))
    snr = _db_power(total - noise) - _db_power(noise)
    return float(min(max(snr, -SNR_CEIL_DB), SNR_CEIL_DB))


def metrics(samples: np.ndarray, rate: int) -> dict[str, float]:
    """Quality measures of mono audio.

    - ``duration_s``;
    - ``rms_dbfs``, ``peak_dbfs``: 0 dBFS = full-scale (a full-scale sine is -3 dBFS RMS), floored at -120;
    - ``clipping_ratio``: fraction of samples with ``|x| >= 0.999``;
    - ``silence_ratio``: fraction of non-overlapping 25 ms frames whose RMS is below a fixed -50 dBFS (absolute, not
      adaptive, so the number means the same for every recording; a recording shorter than 25 ms is one frame);
    - ``snr_db``: ``estimate_snr_db`` (percentile energy method).

    One pass of squares serves the level, the silent frames and the SNR (every segment of a build is measured).
    """
    if rate <= 0:
        raise ValueError(f"rate must be > 0, got {rate}")
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"metrics wants mono samples, got shape {x.shape}")
    n = len(x)
    if n == 0:
        return {
            "duration_s": 0.0,
            "rms_dbfs": LEVEL_FLOOR_DB,
            "peak_dbfs": LEVEL_FLOOR_DB,
            "clipping_ratio": 0.0,
            "silence_ratio": 1.0,
            "snr_db": 0.0,
        }
    top, bottom = float(x.max()), float(x.min())
    peak = max(top, -bottom)
    clipped = 0 if peak < CLIP_LEVEL else int(np.count_nonzero(x >= CLIP_LEVEL) + np.count_nonzero(x <= -CLIP_LEVEL))
    frames, total = _powers(x, rate)
    return {
        "duration_s": n / rate,
        "rms_dbfs": _db_power(total),
        "peak_dbfs": 20.0 * math.log10(max(peak, 10 ** (LEVEL_FLOOR_DB / 20))),
        "clipping_ratio": clipped / n,
        "silence_ratio": float(np.mean(frames < 10 ** (SILENCE_DBFS / 10))),
        "snr_db": _snr(frames, total),
    }


@lru_cache(maxsize=32)
def k_weighting(rate: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The two BS.1770 K-weighting biquads ``((b, a) shelf, (b, a) high-pass)`` for ``rate``.

    Derived from the analogue prototypes through the bilinear transform (as libebur128 does), so at 48 kHz they
    reproduce the coefficients printed in ITU-R BS.1770-4 Tables 1 and 2 and at other rates they keep the same
    response instead of reusing the 48 kHz numbers.
    """
    # Stage 1: high shelf (head acoustics), +4 dB above ~1.7 kHz.
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf_b = np.array([(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0])
    shelf_a = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    # Stage 2: RLB high-pass at ~38 Hz.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1.0 + k / q + k * k
    hp_b = np.array([1.0, -2.0, 1.0])
    hp_a = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    return (shelf_b, shelf_a), (hp_b, hp_a)


def loudness_lufs(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness of mono audio in LUFS (ITU-R BS.1770-4).

    K-weighting, mean square over 400 ms blocks every 100 ms (75 % overlap), loudness
    ``-0.691 + 10 log10(z)``; blocks at or below the absolute gate (-70 LUFS) are dropped, then blocks at or below
    the relative gate (10 LU under the loudness of the blocks kept so far). A recording shorter than one block is
    measured as one block over all of it. When no block passes the absolute gate (silence) it returns -70.0 (what
    ffmpeg's ebur128 reports) instead of -inf.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"loudness_lufs wants mono samples, got shape {x.shape}")
    if len(x) == 0:
        return ABSOLUTE_GATE_LUFS
    from scipy.signal import lfilter  # importing scipy.signal costs ~1.4 s; only loudness work pays for it

    (b1, a1), (b2, a2) = k_weighting(int(rate))
    y = lfilter(b2, a2, lfilter(b1, a1, x))
    block, step = int(round(0.4 * rate)), int(round(0.1 * rate))
    if len(y) <= block:
        z = np.array([float(np.mean(y * y))])
    else:
        cs = np.concatenate(([0.0], np.cumsum(y * y)))
        starts = np.arange(1 + (len(y) - block) // step) * step
        z = (cs[starts + block] - cs[starts]) / block
    with np.errstate(divide="ignore"):
        level = -0.691 + 10.0 * np.log10(z)
    kept = z[level > ABSOLUTE_GATE_LUFS]
    if len(kept) == 0:
        return ABSOLUTE_GATE_LUFS
    relative = -0.691 + 10.0 * math.log10(float(np.mean(kept))) + RELATIVE_GATE_LU
    kept = z[(level > ABSOLUTE_GATE_LUFS) & (level > relative)]
    return -0.691 + 10.0 * math.log10(float(np.mean(kept)))


def normalize_loudness(
    samples: np.ndarray, rate: int, target_lufs: float = -23.0, peak_limit_dbfs: float = -1.0
) -> np.ndarray:
    """Scale to ``target_lufs`` integrated loudness, then scale down further if the sample peak would exceed
    ``peak_limit_dbfs`` (a plain gain, no limiter: the result is then quieter than the target). Silence (no block
    above the absolute gate) is returned unchanged. Returns float32."""
    x = np.asarray(samples, dtype=np.float32)
    level = loudness_lufs(x, rate)
    if level <= ABSOLUTE_GATE_LUFS:
        return x.copy()
    gain = 10 ** ((target_lufs - level) / 20)
    peak = float(np.max(np.abs(x))) * gain
    limit = 10 ** (peak_limit_dbfs / 20)
    if peak > limit:
        gain *= limit / peak
    return (x.astype(np.float64) * gain).astype(np.float32)


@dataclass(frozen=True)
class QualityFilter:
    """Thresholds on ``metrics`` output; ``None`` switches a check off. ``check`` gives the first failed reason."""

    min_rms_dbfs: float | None = None
    max_clipping_ratio: float | None = None
    max_silence_ratio: float | None = None
    min_snr_db: float | None = None

    def check(self, m: dict[str, float]) -> str | None:
        """``"too_quiet"``, ``"mostly_silent"``, ``"clipping"`` or ``"low_snr"`` (checked in that order), or None."""
        if self.min_rms_dbfs is not None and m["rms_dbfs"] < self.min_rms_dbfs:
            return "too_quiet"
        if self.max_silence_ratio is not None and m["silence_ratio"] > self.max_silence_ratio:
            return "mostly_silent"
        if self.max_clipping_ratio is not None and m["clipping_ratio"] > self.max_clipping_ratio:
            return "clipping"
        if self.min_snr_db is not None and m["snr_db"] < self.min_snr_db:
            return "low_snr"
        return None
