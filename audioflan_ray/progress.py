"""Periodic one-line progress that reads well in a ``ray job submit`` log (no progress-bar redraws).

Workers add to counters held by a small named actor; a driver thread prints one line every few seconds.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any

log = logging.getLogger(__name__)
ACTOR_NAME = "audioflan_progress"
_handle: Any = None


def _ray() -> Any:
    import ray

    return ray


def _counter_class() -> Any:
    ray = _ray()

    @ray.remote(num_cpus=0)
    class ProgressCounter:
        def __init__(self) -> None:
            self.counts: dict[str, float] = {}

        def add(self, delta: dict[str, float]) -> None:
            for k, v in delta.items():
                self.counts[k] = self.counts.get(k, 0) + v

        def get(self) -> dict[str, float]:
            return dict(self.counts)

    return ProgressCounter


def start_counter(namespace: str) -> Any:
    global _handle
    _handle = _counter_class().options(name=ACTOR_NAME, namespace=namespace, lifetime=None).remote()
    return _handle


def report(delta: dict[str, float]) -> None:
    """Add to the build's counters from any worker; a no-op outside a build (unit tests)."""
    global _handle
    ray = _ray()
    if not ray.is_initialized():
        return
    if _handle is None:
        try:
            _handle = ray.get_actor(ACTOR_NAME, namespace=ray.get_runtime_context().namespace)
        except ValueError:
            return
    _handle.add.remote(delta)


def format_line(counts: dict[str, float], planned: int, elapsed: float) -> str:
    read = int(counts.get("recordings_read", 0))
    pct = f" ({100 * read / planned:.0f}%)" if planned else ""
    return (
        f"[progress {elapsed:6.0f}s] recordings read {read}/{planned}{pct} | "
        f"instances written {int(counts.get('instances', 0))} | "
        f"audio {counts.get('audio_seconds', 0) / 3600:.3f} h | "
        f"pieces staged {int(counts.get('pieces', 0))} | errors {int(counts.get('errors', 0))}"
    )


class ProgressPrinter:
    """Prints a progress line every ``interval`` seconds until stopped, and once more at the end."""

    def __init__(self, handle: Any, planned: int, interval: float):
        self.handle = handle
        self.planned = planned
        self.interval = interval
        self.start = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="progress")

    def _line(self) -> None:
        try:
            counts = _ray().get(self.handle.get.remote(), timeout=10)
        except Exception as exc:  # progress must never break a build
            log.debug("progress unavailable: %s", exc)
            return
        print(format_line(counts, self.planned, time.monotonic() - self.start), file=sys.stderr, flush=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._line()

    def __enter__(self) -> ProgressPrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self._line()
