"""Progress that reads well in a ``ray job submit`` log: one plain line every few seconds, with rates and an ETA.

The driver counts the result row each finished unit returns; a daemon thread prints the counts every
``ray.progress_interval_s`` seconds (no progress-bar redraws, which Ray Jobs logs cannot show). Phases (plan, audio,
pack, commit) are timed and printed once more at the end.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


def emit(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class Phases:
    """Wall time per phase of a build, in order."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        emit(f"[phase] {name} ...")
        try:
            yield
        finally:
            took = time.monotonic() - start
            self.seconds[name] = round(self.seconds.get(name, 0.0) + took, 3)
            emit(f"[phase] {name} done in {took:.1f} s")

    def line(self) -> str:
        total = sum(self.seconds.values())
        return "[phases] " + " | ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items()) + f" | total {total:.1f} s"


def format_line(counts: dict[str, float], totals: dict[str, float], elapsed: float) -> str:
    """One progress line: done / planned units and recordings, instances, audio, rates and the ETA."""
    units, rec = counts.get("units", 0), counts.get("recordings", 0)
    total_units, total_rec = totals.get("units", 0), totals.get("recordings", 0)
    pct = 100 * rec / total_rec if total_rec else 100.0
    rate = rec / elapsed if elapsed > 0 else 0.0
    hours = counts.get("audio_seconds", 0) / 3600
    left = total_rec - rec
    eta = _duration(left / rate) if rate > 0 and left > 0 else ("0s" if left <= 0 else "?")
    return (
        f"[progress {_duration(elapsed):>8}] units {int(units)}/{int(total_units)} | "
        f"recordings {int(rec)}/{int(total_rec)} ({pct:.0f}%) | instances {int(counts.get('instances', 0))} | "
        f"audio {hours:.3f} h | {rate:.1f} rec/s, {hours * 3600 / elapsed if elapsed > 0 else 0:.0f} audio-s/s | "
        f"ETA {eta} | errors {int(counts.get('errors', 0))}"
    )


class Progress:
    """Counts finished units and prints a line every ``interval`` seconds until closed, then once more."""

    def __init__(self, totals: Mapping[str, float], interval: float, label: str = "progress"):
        self.totals, self.interval = dict(totals), interval
        self.counts: dict[str, float] = {}
        self.start = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=label)

    def add(self, row: dict[str, Any]) -> None:
        with self._lock:
            self.counts["units"] = self.counts.get("units", 0) + 1
            for k in ("recordings", "instances", "audio_seconds", "errors"):
                self.counts[k] = self.counts.get(k, 0) + float(row.get(k) or 0)

    def line(self) -> str:
        with self._lock:
            counts = dict(self.counts)
        return format_line(counts, self.totals, time.monotonic() - self.start)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            emit(self.line())

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        emit(self.line())
