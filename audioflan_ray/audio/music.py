"""Music annotations as text: a frame-wise f0 track (a melody annotation) turned into a list of notes.

Pure numpy; the recipes call it on the corpora's own annotation files (MedleyDB's ``MELODY*.csv``, pitch tracks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audioflan_ray import vocab


@dataclass(frozen=True)
class Note:
    start: float  # seconds
    end: float  # seconds
    midi: int


def hz_to_midi(f0: np.ndarray) -> np.ndarray:
    """Frequencies in Hz as fractional MIDI note numbers (``440`` -> ``69.0``); non-positive values give NaN."""
    f = np.asarray(f0, dtype=np.float64)
    out = np.full(f.shape, np.nan)
    voiced = f > 0
    out[voiced] = 69.0 + 12.0 * np.log2(f[voiced] / 440.0)
    return out


def _median_filter(x: np.ndarray, width: int) -> np.ndarray:
    if width <= 1 or len(x) < 3:
        return x
    half = width // 2
    padded = np.pad(x, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.asarray(np.median(windows, axis=1))


def f0_to_notes(
    times: np.ndarray,
    f0: np.ndarray,
    min_duration: float = 0.1,
    max_gap: float = 0.05,
    smooth: float = 0.05,
    hysteresis: float = 0.25,
) -> list[Note]:
    """The notes of an f0 track (``f0`` in Hz at ``times`` in seconds; 0 or negative = unvoiced).

    1. Voiced frames become fractional MIDI pitches, median-filtered over ``smooth`` seconds within each voiced run.
    2. A run is cut into notes where the pitch moves more than ``0.5 + hysteresis`` semitones away from the current
       note, so vibrato and intonation within a semitone do not split a note.
    3. A note spans its first frame to the end of its last frame (one hop later) and is named by the median pitch of
       its frames, rounded to the nearest semitone.
    4. Notes shorter than ``min_duration`` are dropped (glides, octave blips); neighbours of the same pitch separated
       by at most ``max_gap`` (a dropped frame, a short unvoiced blip) are merged.
    """
    t = np.asarray(times, dtype=np.float64)
    midi = hz_to_midi(np.asarray(f0))
    if len(t) != len(midi):
        raise ValueError(f"times and f0 differ in length: {len(t)} != {len(midi)}")
    if len(t) == 0:
        return []
    hop = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    width = max(1, int(round(smooth / hop))) if hop > 0 else 1
    voiced = ~np.isnan(midi)
    segments: list[tuple[int, int]] = []  # [first, last] frame indices of each note
    i = 0
    while i < len(t):
        if not voiced[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(t) and voiced[j + 1] and t[j + 1] - t[j] <= 1.5 * hop + 1e-9:
            j += 1
        run = _median_filter(midi[i : j + 1], width)
        first, current = 0, round(run[0])
        for k in range(1, len(run)):
            if abs(run[k] - current) > 0.5 + hysteresis:
                segments.append((i + first, i + k - 1))
                first, current = k, round(run[k])
        segments.append((i + first, j))
        midi[i : j + 1] = run
        i = j + 1
    notes: list[Note] = []
    for first, last in segments:
        start, end = float(t[first]), float(t[last]) + hop
        if end - start < min_duration - 1e-9:
            continue
        pitch = int(round(float(np.median(midi[first : last + 1]))))
        if notes and notes[-1].midi == pitch and start - notes[-1].end <= max_gap + 1e-9:
            notes[-1] = Note(notes[-1].start, end, pitch)
        else:
            notes.append(Note(start, end, pitch))
    return notes


def format_notes(notes: list[Note]) -> str:
    """``0.00-0.52 A4, 0.52-1.10 C5``: the ``melody`` field's text (times in seconds, two decimals)."""
    return ", ".join(f"{n.start:.2f}-{n.end:.2f} {vocab.note_name(n.midi)}" for n in notes)
