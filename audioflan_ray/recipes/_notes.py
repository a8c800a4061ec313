"""Note sequences as the ``notes`` and ``beat_pitches`` metadata fields, shared by the singing-voice recipes.

``notes``: ``<note> <seconds>`` items joined by `` | `` in time order (``C#4 0.45 | rest 0.13 | E4 0.60``): sharps as
MIDI note tables write them (``vocab.note_name``), ``rest`` for a gap between notes (gaps under 10 ms are timing
noise and are not written), durations rounded to 0.01 s.

``beat_pitches``: ``beat<k>: <note>`` items joined by ``; `` (``beat1: rest; beat2: C4``), one per beat from the first
beat to the one in which the last note ends; a beat's pitch is the note sounding longest inside it, ``rest`` where
none sounds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from audioflan_ray import vocab

#: (start s, end s, MIDI pitch)
NoteEvent = tuple[float, float, float]

_MIN_REST = 0.01


def notes_text(notes: Sequence[NoteEvent]) -> str:
    out: list[str] = []
    last_end: float | None = None
    for start, end, pitch in sorted(notes):
        if last_end is not None and start - last_end >= _MIN_REST:
            out.append(f"rest {start - last_end:.2f}")
        out.append(f"{vocab.note_name(pitch)} {end - start:.2f}")
        last_end = end if last_end is None else max(last_end, end)
    return " | ".join(out)


def beat_pitches(notes: Sequence[NoteEvent], beats: Sequence[float]) -> str:
    """``beats``: beat onsets in seconds, increasing; the last beat lasts as long as the one before it."""
    if not notes or len(beats) < 2:
        return ""
    last_end = max(end for _, end, _ in notes)
    bounds = [*beats, beats[-1] + (beats[-1] - beats[-2])]
    out: list[str] = []
    for k in range(len(beats)):
        lo, hi = bounds[k], bounds[k + 1]
        if lo >= last_end:
            break
        overlap: dict[float, float] = {}
        for start, end, pitch in notes:
            sounding = min(end, hi) - max(start, lo)
            if sounding > 0:
                overlap[pitch] = overlap.get(pitch, 0.0) + sounding
        name = vocab.note_name(max(overlap, key=lambda p: overlap[p])) if overlap else "rest"
        out.append(f"beat{k + 1}: {name}")
    return "; ".join(out)


#: Pinyin initials as Mandarin singing corpora (Opencpop, M4Singer) write their phonemes.
MANDARIN_INITIALS = frozenset(
    {
        "b",
        "p",
        "m",
        "f",
        "d",
        "t",
        "n",
        "l",
        "g",
        "k",
        "h",
        "j",
        "q",
        "x",
        "zh",
        "ch",
        "sh",
        "r",
        "z",
        "c",
        "s",
        "y",
        "w",
    }
)

_PITCH_NAME = re.compile(r"([A-Ga-g])([#b]?)(-?\d+)")


def midi_of(name: str) -> int:
    """A note name as corpora write it (``C4``, ``D#4/Eb4``, ``Bb3``) -> MIDI number (``C4`` = 60)."""
    m = _PITCH_NAME.fullmatch(name.split("/")[0].strip())
    if not m:
        raise ValueError(f"note name {name!r}")
    step = vocab.PITCH_CLASSES.index(vocab.pitch_class(m.group(1).upper() + m.group(2)))
    return (int(m.group(3)) + 1) * 12 + step


def syllable_notes(
    phonemes: Sequence[str],
    pitches: Sequence[float | None],
    durations: Sequence[float],
    initials: frozenset[str] = MANDARIN_INITIALS,
) -> list[NoteEvent]:
    """Per-phoneme annotations (phoneme, its note's pitch or None for silence, its aligned duration) as notes: an
    initial consonant starts the note of the final after it; each final is one note, a slurred final (one more note
    on the same vowel) included; silences (``AP``/``SP`` breaths and pauses) are gaps."""
    if not len(phonemes) == len(pitches) == len(durations):
        raise ValueError(f"{len(phonemes)} phonemes, {len(pitches)} pitches, {len(durations)} durations")
    notes: list[NoteEvent] = []
    t = 0.0
    onset: float | None = None
    for phoneme, pitch, duration in zip(phonemes, pitches, durations, strict=True):
        if pitch is None:
            onset = None
        elif phoneme in initials:
            onset = t
        else:
            notes.append((t if onset is None else onset, t + duration, pitch))
            onset = None
        t += duration
    return notes
