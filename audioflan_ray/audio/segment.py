"""Segmentation of a recording into sample ranges (``ops.Window``): fixed windows, pause-aware cuts, corpus spans.

All functions are pure: sample counts and numpy arrays in, ``list[Window]`` out. Windows are half-open sample
ranges ``[start, end)``; ``index`` counts them from 0 in time order (for ``annotated_windows`` it is the position of
the span in the input list, so a window maps back to its annotation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from audioflan_ray.audio.ops import Window

TailPolicy = Literal["drop", "keep", "merge"]

SILENCE_FLOOR_DB = -120.0  # frame energies are floored here so digital silence gives a finite level


def fixed_windows(
    num_samples: int,
    rate: int,
    length_s: float,
    hop_s: float | None = None,
    tail: TailPolicy = "merge",
    min_tail_s: float = 1.0,
) -> list[Window]:
    """Windows of ``length_s`` starting every ``hop_s`` (default ``length_s``: back to back, no overlap).

    The remainder after the last full window is the *tail* window ``[last_start + hop, num_samples)``:

    - ``"drop"``: discarded;
    - ``"keep"``: kept, shorter than ``length_s``;
    - ``"merge"``: when the tail window is shorter than ``min_tail_s`` the previous window is extended to the end of
      the recording instead (so it is up to ``length_s + min_tail_s`` long), else it is kept as with ``"keep"``.

    A recording no longer than one window gives one window over all of it, whatever the policy (a short recording is
    still a recording). An empty recording gives no window. With ``hop_s > length_s`` the samples between windows are
    skipped, and a tail window exists only when the next hop starts before the end.
    """
    if num_samples < 0 or rate <= 0:
        raise ValueError(f"num_samples must be >= 0 and rate > 0, got {num_samples}, {rate}")
    if tail not in ("drop", "keep", "merge"):
        raise ValueError(f"unknown tail policy {tail!r} (drop, keep or merge)")
    length = int(round(length_s * rate))
    hop = length if hop_s is None else int(round(hop_s * rate))
    if length <= 0 or hop <= 0:
        raise ValueError(f"length_s and hop_s must be at least one sample, got {length_s}, {hop_s}")
    if num_samples == 0:
        return []
    if num_samples <= length:
        return [Window(0, 0, num_samples)]
    count = 1 + (num_samples - length) // hop  # full windows
    bounds = [(i * hop, i * hop + length) for i in range(count)]
    next_start = count * hop
    if next_start < num_samples and tail != "drop":
        if tail == "merge" and num_samples - next_start < int(round(min_tail_s * rate)):
            bounds[-1] = (bounds[-1][0], num_samples)
        else:
            bounds.append((next_start, num_samples))
    return [Window(i, s, e) for i, (s, e) in enumerate(bounds)]


@dataclass(frozen=True)
class Split:
    """Result of ``silence_split``: the windows, how many cuts were hard (no pause), and the threshold used."""

    windows: list[Window]
    hard_cuts: int
    threshold_dbfs: float


def frame_energy_db(samples: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """Mean-square energy in dBFS (floored at -120) of frames ``[k*hop, k*hop + frame)``.

    Frames run while they fit in the signal (a signal shorter than one frame is one frame). Computed in chunks with
    a float64 running sum, so an hour-long recording never needs more than a few MB beyond its own samples.
    """
    n = len(samples)
    if n <= frame:
        ms = np.array([float(np.mean(np.square(samples, dtype=np.float64)))]) if n else np.zeros(1)
        return np.asarray(10.0 * np.log10(np.maximum(ms, 10 ** (SILENCE_FLOOR_DB / 10))))
    count = 1 + (n - frame) // hop
    out = np.empty(count, dtype=np.float64)
    chunk = max(1, (1 << 20) // hop)  # frames per chunk (~1M samples)
    for f0 in range(0, count, chunk):
        f1 = min(count, f0 + chunk)
        seg = np.asarray(samples[f0 * hop : (f1 - 1) * hop + frame], dtype=np.float64)
        cs = np.concatenate(([0.0], np.cumsum(seg * seg)))
        starts = np.arange(f1 - f0) * hop
        out[f0:f1] = (cs[starts + frame] - cs[starts]) / frame
    return np.asarray(10.0 * np.log10(np.maximum(out, 10 ** (SILENCE_FLOOR_DB / 10))))


def silence_threshold_db(
    energy_db: np.ndarray,
    margin_db: float = 10.0,
    floor_percentile: float = 10.0,
    max_threshold_dbfs: float = -35.0,
    min_contrast_db: float = 20.0,
) -> float:
    """Adaptive silence threshold: ``min(noise floor + margin, loud level - contrast, max_threshold_dbfs)``.

    The noise floor is the ``floor_percentile`` of the frame energies (the quietest 10 % of frames are background
    in any recording with pauses); the loud level is their 98th percentile. The contrast term keeps a steady signal
    (a tone, music, a recording with no pause at all) from being called silent just because it is quiet, and the
    absolute cap keeps noisy recordings from treating their noisy speech as silence.
    """
    floor = float(np.percentile(energy_db, floor_percentile))
    loud = float(np.percentile(energy_db, 98.0))
    return min(floor + margin_db, loud - min_contrast_db, max_threshold_dbfs)


def _pauses(silent: np.ndarray, frame: int, hop: int, min_len: int) -> np.ndarray:
    """Runs of silent frames as sample ranges [start, end) covered by those frames, at least ``min_len`` long."""
    if not silent.any():
        return np.zeros((0, 2), dtype=np.int64)
    edges = np.diff(np.concatenate(([0], silent.astype(np.int8), [0])))
    first = np.flatnonzero(edges == 1)
    last = np.flatnonzero(edges == -1) - 1
    spans = np.stack([first * hop, last * hop + frame], axis=1).astype(np.int64)
    return spans[spans[:, 1] - spans[:, 0] >= min_len]


def _feasible(remaining: int, lo: int, hi: int) -> bool:
    """Can ``remaining`` samples be cut into pieces each within [lo, hi]?"""
    return remaining == 0 or math.ceil(remaining / hi) <= remaining // lo


def _longest_feasible_step(remaining: int, lo: int, hi: int) -> int | None:
    """The largest step in [lo, hi] that leaves a remainder which can itself be cut into [lo, hi] pieces."""
    # Remainders that can be cut are the union over k >= 1 of [k*lo, k*hi]; find the smallest one >= remaining - hi.
    k = max(1, math.ceil((remaining - hi) / hi))
    while k * lo <= remaining - lo:
        rest = max(k * lo, remaining - hi)
        if rest <= min(k * hi, remaining - lo):
            return remaining - rest
        k += 1
    return None


def silence_split(
    samples: np.ndarray,
    rate: int,
    min_s: float,
    max_s: float,
    frame_s: float = 0.025,
    hop_frame_s: float = 0.010,
    pause_s: float = 0.15,
    margin_db: float = 10.0,
    floor_percentile: float = 10.0,
    max_threshold_dbfs: float = -35.0,
    min_contrast_db: float = 20.0,
) -> Split:
    """Cut a long mono recording at pauses into segments of ``min_s`` to ``max_s`` seconds.

    Energy-based: the mean-square level of ``frame_s`` frames every ``hop_frame_s`` is compared with an adaptive
    threshold (``silence_threshold_db``: noise floor + ``margin_db``, at least ``min_contrast_db`` below the loud
    frames, never above ``max_threshold_dbfs``). A pause is a run of silent frames whose span (the samples those
    frames cover, so every sample of a pause lies in a silent frame) is at least ``pause_s`` long.

    Greedy from the start: among pauses whose centre gives a segment of ``min_s``..``max_s``, cut at the centre of
    the longest (ties: the later one); with no such pause, cut hard at ``max_s``. Cuts are only taken where what is
    left can still be cut into ``min_s``..``max_s`` segments, so the last segment is shorter than ``min_s`` only
    when the whole recording is (where no such cutting exists at all, e.g. 9 s with segments of 5..8 s, that rule
    is dropped and the last segment is what remains). A hard cut that would leave a too-short tail is moved earlier
    (cut at ``len - min_s``). Segments cover the whole signal without gaps or overlaps.
    """
    if rate <= 0 or not 0 < min_s <= max_s:
        raise ValueError(f"need rate > 0 and 0 < min_s <= max_s, got {rate}, {min_s}, {max_s}")
    x = np.asarray(samples)
    if x.ndim != 1:
        raise ValueError(f"silence_split wants mono samples, got shape {x.shape}")
    n = len(x)
    lo, hi = max(1, int(round(min_s * rate))), int(round(max_s * rate))
    frame, hop = max(1, int(round(frame_s * rate))), max(1, int(round(hop_frame_s * rate)))
    energy = frame_energy_db(x, frame, hop)
    threshold = silence_threshold_db(energy, margin_db, floor_percentile, max_threshold_dbfs, min_contrast_db)
    if n == 0:
        return Split([], 0, threshold)
    pauses = _pauses(energy < threshold, frame, hop, int(round(pause_s * rate)))
    centres = (pauses[:, 0] + pauses[:, 1]) // 2
    lengths = pauses[:, 1] - pauses[:, 0]
    constrain_tail = _feasible(n, lo, hi)

    bounds: list[tuple[int, int]] = []
    hard = 0
    pos = 0
    while n - pos > hi:
        step = centres - pos
        ok = (step >= lo) & (step <= hi)
        if constrain_tail:
            rest = n - centres
            ok &= (rest == 0) | (-(-rest // hi) <= rest // lo)  # vectorised _feasible
        if ok.any():
            idx = np.flatnonzero(ok)
            best = idx[lengths[idx] == lengths[idx].max()][-1]  # longest; ties -> the later
            cut = int(centres[best])
        else:
            hard += 1
            longest = _longest_feasible_step(n - pos, lo, hi) if constrain_tail else None
            cut = pos + (hi if longest is None else longest)
        bounds.append((pos, cut))
        pos = cut
    bounds.append((pos, n))
    return Split([Window(i, s, e) for i, (s, e) in enumerate(bounds)], hard, threshold)


def annotated_windows(rate: int, spans: list[tuple[float, float]], num_samples: int) -> list[Window]:
    """Corpus-given ``(start_s, end_s)`` segments as windows, clipped to the signal.

    Each span must be finite with ``start_s < end_s`` (else ``ValueError``). Spans are clipped to
    ``[0, num_samples)``; a span that lies wholly outside the signal (nothing left after clipping) is dropped.
    A window's ``index`` is its span's position in ``spans``, so it maps back to the annotation (its transcript).
    """
    if rate <= 0 or num_samples < 0:
        raise ValueError(f"need rate > 0 and num_samples >= 0, got {rate}, {num_samples}")
    out: list[Window] = []
    for i, (start_s, end_s) in enumerate(spans):
        if not (math.isfinite(start_s) and math.isfinite(end_s)) or start_s >= end_s:
            raise ValueError(f"span {i}: need finite start < end, got ({start_s}, {end_s})")
        start = min(max(int(round(start_s * rate)), 0), num_samples)
        end = min(max(int(round(end_s * rate)), 0), num_samples)
        if start < end:
            out.append(Window(i, start, end))
    return out
