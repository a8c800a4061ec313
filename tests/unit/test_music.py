"""f0 track -> notes: checked against f0 tracks built from known notes (the notes are the reference)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from audioflan_ray.audio.music import Note, f0_to_notes, format_notes, hz_to_midi

HOP = 256 / 44100  # MedleyDB's melody annotation hop


def track(parts: list[tuple[float, float, float]], vibrato: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Frames every HOP up to the last part's end; each ``(start, end, midi)`` part voiced at that pitch (with
    ``vibrato`` semitones of 6 Hz vibrato), 0 elsewhere."""
    end = max(p[1] for p in parts)
    t = np.arange(0, end, HOP)
    f0 = np.zeros_like(t)
    for start, stop, midi in parts:
        sel = (t >= start) & (t < stop)
        pitch = midi + vibrato * np.sin(2 * np.pi * 6 * t[sel])
        f0[sel] = 440.0 * 2 ** ((pitch - 69) / 12)
    return t, f0


def test_hz_to_midi_reference_points_and_unvoiced() -> None:
    m = hz_to_midi(np.array([440.0, 261.6255653, 0.0, -1.0]))
    assert m[:2] == pytest.approx([69.0, 60.0], abs=1e-6)
    assert np.isnan(m[2:]).all()


def test_notes_with_gap_and_vibrato_come_out_as_written() -> None:
    t, f0 = track([(0.0, 0.5, 69), (0.6, 1.1, 72)], vibrato=0.4)
    notes = f0_to_notes(t, f0)
    assert [n.midi for n in notes] == [69, 72]
    assert notes[0].start == pytest.approx(0.0, abs=HOP) and notes[0].end == pytest.approx(0.5, abs=2 * HOP)
    assert notes[1].start == pytest.approx(0.6, abs=HOP) and notes[1].end == pytest.approx(1.1, abs=2 * HOP)
    assert re.fullmatch(r"0\.00-0\.5\d A4, 0\.6\d-1\.1\d C5", format_notes(notes))


def test_legato_step_without_gap_splits_and_short_blips_are_dropped() -> None:
    # A4 then B4 directly (legato), a 30 ms E6 blip, then B4 again after a 10 ms dropout -> merged with the B4.
    t, f0 = track([(0.0, 0.4, 69), (0.4, 0.8, 71), (0.8, 0.83, 88), (0.84, 1.2, 71)])
    notes = f0_to_notes(t, f0)
    assert [n.midi for n in notes] == [69, 71]
    assert notes[1].start == pytest.approx(0.4, abs=2 * HOP) and notes[1].end == pytest.approx(1.2, abs=2 * HOP)


def test_empty_unvoiced_and_mismatched_input() -> None:
    assert f0_to_notes(np.array([]), np.array([])) == []
    assert f0_to_notes(np.arange(10) * HOP, np.zeros(10)) == []
    with pytest.raises(ValueError, match="differ in length"):
        f0_to_notes(np.arange(3), np.zeros(2))


def test_format_notes_uses_sharps_and_octaves() -> None:
    assert format_notes([Note(1.234, 2.0, 61), Note(2.0, 2.5, 48)]) == "1.23-2.00 C#4, 2.00-2.50 C3"
