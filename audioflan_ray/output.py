"""Safe outputs: a build owns only what it wrote, and one build at a time writes an output.

- **Ownership.** The first thing a build writes is the marker ``.audioflan-build.json``. A non-empty output with
  neither a marker nor a manifest holds someone else's files: it is refused (exit 2) and left untouched, ``--force``
  or not. ``--force`` and resume remove only the files an earlier build of ours listed (its shard index, its release
  index, its errors) — never a file of the user's, even inside our folders.
- **One writer.** ``.audioflan-lock.json`` is created exclusively (``O_EXCL`` locally, a conditional PUT with
  ``If-None-Match: *`` on S3) and names the run, its holder and a heartbeat the build refreshes. A second build
  exits 2 saying who holds it; a lock whose heartbeat stopped longer than ``build.lock_stale_s`` ago is taken over
  only when asked (``build.take_over_lock=true``).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from audioflan_ray.errors import LockHeld, OutputRefused
from audioflan_ray.schema import FORMAT, LOCK, MANIFEST, MARKER
from audioflan_ray.storage import Root

log = logging.getLogger(__name__)
OWNER = "audioflan-ray"


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def holder() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"


@dataclass
class OutputState:
    manifest: dict[str, Any] | None
    marker: dict[str, Any] | None
    entries: list[str]  # names directly below the output, ours or not

    @property
    def empty(self) -> bool:
        return not [e for e in self.entries if e != LOCK]

    @property
    def ours(self) -> bool:
        """Written by a build of ours: a marker, or (for outputs from before the marker existed) a manifest."""
        if self.marker is not None:
            return self.marker.get("owner") == OWNER
        return self.manifest is not None and str(self.manifest.get("format", "")).startswith("audioflan-ray/")


def _json(root: Root, rel: str) -> dict[str, Any] | None:
    if not root.exists(rel):
        return None
    try:
        data = json.loads(root.read_bytes(rel))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def inspect(root: Root) -> OutputState:
    return OutputState(manifest=_json(root, MANIFEST), marker=_json(root, MARKER), entries=root.top_entries())


def refuse_foreign(root: Root, state: OutputState) -> None:
    """Raise ``OutputRefused`` (exit 2) when the output holds files no build of ours wrote."""
    if state.empty or state.ours:
        return
    shown = ", ".join(state.entries[:5]) + (" ..." if len(state.entries) > 5 else "")
    raise OutputRefused(
        f"{root.uri} is not empty and no audioflan-ray build wrote it (it holds {shown}; no {MARKER} or {MANIFEST}). "
        "Nothing was touched. Choose an empty folder or a new prefix for output.uri."
    )


def write_marker(root: Root, build_id: str, run_id: str, extra: dict[str, Any] | None = None) -> None:
    body = {"owner": OWNER, "format": FORMAT, "build_id": build_id, "run_id": run_id, "written": _now()}
    body.update(extra or {})
    root.write_bytes_atomic(MARKER, json.dumps(body, indent=2).encode())


@dataclass
class Lock:
    """The output's lock, held from ``acquire`` to ``release``; a daemon thread refreshes its heartbeat."""

    root: Root
    run_id: str
    interval_s: float = 30.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def body(self) -> bytes:
        return json.dumps(
            {"run_id": self.run_id, "holder": holder(), "heartbeat": _now(), "heartbeat_unix": time.time()}
        ).encode()

    def acquire(self, stale_s: float, take_over: bool) -> Lock:
        if not self.root.create_exclusive(LOCK, self.body()):
            current = _json(self.root, LOCK) or {}
            age = time.time() - float(current.get("heartbeat_unix") or 0)
            who = f"run {current.get('run_id', '?')} of {current.get('holder', '?')}"
            if age < stale_s:
                raise LockHeld(
                    f"{self.root.uri} is being written by another build ({who}, heartbeat {age:.0f} s ago); "
                    "wait for it to finish, or write to another output.uri"
                )
            if not take_over:
                raise LockHeld(
                    f"{self.root.uri} has a stale lock ({who}, no heartbeat for {age:.0f} s > build.lock_stale_s="
                    f"{stale_s:.0f}); if that build is gone, pass build.take_over_lock=true to take it over"
                )
            log.warning("taking over the stale lock of %s (no heartbeat for %.0f s)", who, age)
            self.root.remove(LOCK)
            if not self.root.create_exclusive(LOCK, self.body()):
                raise LockHeld(f"{self.root.uri}: another build took the stale lock first")
        self._thread = threading.Thread(target=self._beat, daemon=True, name="lock-heartbeat")
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                current = _json(self.root, LOCK) or {}
                if current.get("run_id") != self.run_id:
                    log.error("the output's lock was taken over by run %s", current.get("run_id"))
                    return
                self.root.write_bytes_atomic(LOCK, self.body())
            except Exception as exc:  # a missed heartbeat is not fatal; a long outage makes the lock stale
                log.warning("lock heartbeat failed: %s", exc)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            current = _json(self.root, LOCK) or {}
            if current.get("run_id") == self.run_id:
                self.root.remove(LOCK)
        except Exception as exc:  # releasing must not hide the build's own outcome
            log.warning("could not release the lock: %s", exc)
