"""Note sequences as the ``notes`` and ``beat_pitches`` metadata fields, shared by the singing-voice recipes.

``notes``: ``<note> <seconds>`` items joined by `` | `` in time order (``C#4 0.45 | rest 0.13 | E4 0.60``): sharps as
MIDI note tables write them (``vocab.note_name``), ``rest`` for a gap between notes (gaps under 10 ms are timing
noise and are not written), durations rounded to 0.01 s.

``beat_pitches``: ``beat<k>: <note>`` items joined by ``; `` (``beat1: rest; beat2: C4``), one per beat from the first
beat to the one in which the last note ends; a beat's pitch is the note sounding longest inside it, ``rest`` where
none sounds.
"""

from __future__ import annotations

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
