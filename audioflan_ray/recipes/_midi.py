"""Standard MIDI File reading for recipes whose corpora annotate with ``.mid`` files: the tempo map and time
signatures, hence beat times in seconds. Only what the recipes need, with no third-party MIDI package."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field


class MidiError(ValueError):
    """The bytes are not a Standard MIDI File this reader understands."""


@dataclass
class Midi:
    division: int  # ticks per quarter note
    tempos: list[tuple[int, int]] = field(default_factory=list)  # (tick, microseconds per quarter note)
    time_signatures: list[tuple[int, int, int]] = field(default_factory=list)  # (tick, numerator, denominator)

    def seconds(self, tick: int) -> float:
        """The time of ``tick`` under the tempo map (120 BPM until the first tempo event, as the standard says)."""
        t, last_tick, us = 0.0, 0, 500_000
        for at, tempo in self.tempos:
            if at >= tick:
                break
            t += (at - last_tick) * us / self.division / 1e6
            last_tick, us = at, tempo
        return t + (tick - last_tick) * us / self.division / 1e6

    def beat_times(self, until_s: float) -> list[float]:
        """Beat onsets from time 0 up to ``until_s``: one per time-signature denominator note (a quarter in 4/4, an
        eighth in 6/8), a quarter note where the file has no time signature."""
        signatures = self.time_signatures or [(0, 4, 4)]
        out: list[float] = []
        tick = 0
        while True:
            den = next((d for at, _, d in reversed(signatures) if at <= tick), signatures[0][2])
            t = self.seconds(tick)
            if t >= until_s:
                return out
            out.append(t)
            tick += self.division * 4 // den


def _varlen(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise MidiError("variable-length quantity longer than 4 bytes")


def read_midi(data: bytes) -> Midi:
    """Parse a Standard MIDI File (format 0 or 1, metrical division)."""
    if data[:4] != b"MThd":
        raise MidiError("no MThd header")
    (length,) = struct.unpack(">I", data[4:8])
    _fmt, ntracks, division = struct.unpack(">HHH", data[8:14])
    if division & 0x8000:
        raise MidiError("SMPTE time division is not supported")
    midi = Midi(division=division)
    pos = 8 + length
    try:
        for _ in range(ntracks):
            if data[pos : pos + 4] != b"MTrk":
                raise MidiError(f"no MTrk chunk at byte {pos}")
            (size,) = struct.unpack(">I", data[pos + 4 : pos + 8])
            pos, end = pos + 8, pos + 8 + size
            tick, status = 0, 0
            while pos < end:
                delta, pos = _varlen(data, pos)
                tick += delta
                if data[pos] & 0x80:
                    status = data[pos]
                    pos += 1
                if status == 0xFF:
                    kind = data[pos]
                    size_, pos = _varlen(data, pos + 1)
                    body = data[pos : pos + size_]
                    pos += size_
                    if kind == 0x51 and size_ == 3:
                        midi.tempos.append((tick, int.from_bytes(body, "big")))
                    elif kind == 0x58 and size_ >= 2:
                        midi.time_signatures.append((tick, body[0], 2 ** body[1]))
                elif status in (0xF0, 0xF7):
                    size_, pos = _varlen(data, pos)
                    pos += size_
                elif status & 0x80:  # channel message: one data byte for program / channel pressure, else two
                    pos += 1 if (status & 0xF0) in (0xC0, 0xD0) else 2
                else:
                    raise MidiError(f"data byte without a status at byte {pos}")
            pos = end
    except IndexError as e:
        raise MidiError("file ends inside a track") from e
    midi.tempos.sort()
    midi.time_signatures.sort()
    return midi
