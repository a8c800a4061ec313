"""The shared note helpers of the singing recipes: MIDI beat grids, ``notes`` and ``beat_pitches`` strings."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from audioflan_ray.recipes._midi import MidiError, read_midi
from audioflan_ray.recipes._notes import beat_pitches, midi_of, notes_text, syllable_notes
from tests.fixtures.corpora._midi_write import write_midi


def test_beat_grid_follows_tempo_and_time_signature(tmp_path: Path) -> None:
    midi = read_midi(write_midi(tmp_path / "a.mid", 100, [(0.6, 1.0, 60)]).read_bytes())
    assert midi.beat_times(2.0) == pytest.approx([0.0, 0.6, 1.2, 1.8])
    eighths = read_midi(write_midi(tmp_path / "b.mid", 60, [(0.0, 1.0, 60)], time_signature=(6, 8)).read_bytes())
    assert eighths.beat_times(1.6) == pytest.approx([0.0, 0.5, 1.0, 1.5])


def test_tempo_change_moves_the_grid() -> None:
    # One track: 60 BPM, then 120 BPM from tick 960 (two quarters of 480 ticks).
    events = b"\x00\xff\x51\x03" + (1_000_000).to_bytes(3, "big")
    events += b"\x87\x40\xff\x51\x03" + (500_000).to_bytes(3, "big")  # delta 960 as a variable-length quantity
    events += b"\x00\x90\x3c\x64\x83\x60\x80\x3c\x00\x00\xff\x2f\x00"  # a note, running into end of track
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(events)) + events
    assert read_midi(data).beat_times(3.1) == pytest.approx([0.0, 1.0, 2.0, 2.5, 3.0])


def test_bad_midi_raises() -> None:
    with pytest.raises(MidiError):
        read_midi(b"RIFF....")
    head = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)
    with pytest.raises(MidiError):
        read_midi(head + b"MTrk" + struct.pack(">I", 40) + b"\x00\xff\x51")


def test_notes_text_writes_rests_and_sharps() -> None:
    assert notes_text([(0.5, 1.0, 61), (0.0, 0.5, 60), (1.2, 1.5, 63)]) == "C4 0.50 | C#4 0.50 | rest 0.20 | D#4 0.30"
    assert notes_text([(0.0, 0.5, 60), (0.505, 1.0, 62)]) == "C4 0.50 | D4 0.49"


def test_beat_pitches_takes_the_longest_note_and_stops_after_the_last() -> None:
    notes = [(0.6, 0.7, 60), (0.7, 1.2, 64), (2.0, 2.2, 67)]
    beats = [0.0, 0.6, 1.2, 1.8, 2.4, 3.0]
    assert beat_pitches(notes, beats) == "beat1: rest; beat2: E4; beat3: rest; beat4: G4"
    assert beat_pitches([], beats) == ""


def test_midi_of_reads_corpus_note_names() -> None:
    assert [midi_of(n) for n in ("C4", "D#4/Eb4", "Bb3", "c#5", "A0")] == [60, 63, 58, 73, 21]
    with pytest.raises(ValueError):
        midi_of("rest")


def test_syllable_notes_join_initials_and_keep_slurs() -> None:
    phonemes = ["AP", "w", "o", "o", "SP", "an"]
    pitches = [None, 64.0, 64.0, 66.0, None, 62.0]
    durations = [0.3, 0.05, 0.25, 0.4, 0.2, 0.5]
    notes = syllable_notes(phonemes, pitches, durations)
    assert [(round(a, 6), round(b, 6), p) for a, b, p in notes] == [
        (0.3, 0.6, 64.0),
        (0.6, 1.0, 66.0),
        (1.2, 1.7, 62.0),
    ]
    with pytest.raises(ValueError):
        syllable_notes(["a"], [60.0, 61.0], [0.1])
