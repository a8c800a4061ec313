"""What one work unit leaves behind: tar pieces per shard folder, its quarantine, its release parts, a marker.

A unit writes, under ``_staging/units/<unit>/``:

- one tar *body* per shard folder (``<domain>__<code>__<split>.tar``): the unit's samples of that task and split, in
  order, with fixed tar headers and no end-of-archive blocks, so that pieces of consecutive units concatenate into a
  valid shard (the packer appends the end marker). Each sample's (offset, length) is recorded, so a piece can also
  be cut between samples;
- ``errors.jsonl``: its quarantined rows (stage, reason, message, audio seconds);
- the release layout's jsonl lines and scp lines (``release/``) — the audio files themselves go straight to
  ``audio_files/`` (named by their AUDIO_ID, so a rerun rewrites the same bytes);
- ``done.json`` LAST: the marker that the unit is complete, with its fingerprint and every count. A unit without
  it is redone by the next run; one with it is reused. A unit taken over from an earlier build (``reuse_from``) gets
  the same marker, its pieces pointing at byte ranges of that build's shards (``"src": "prev"``).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tarfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from audioflan_ray.schema import STAGING
from audioflan_ray.storage import Root

FIXED_MTIME = 0  # 1970-01-01: a rebuild must give identical bytes
TAR_END = b"\0" * 1024  # two zero blocks end a tar archive
MAX_LABELS = 1000  # distinct labels counted per task and piece; the rest are counted as "(other)"


def unit_dir(unit: str) -> str:
    return f"{STAGING}/units/{unit}"


def marker_path(unit: str) -> str:
    return f"{unit_dir(unit)}/done.json"


def flat(folder: str) -> str:
    return folder.replace("/", "__")


def tar_member(name: str, data: bytes) -> bytes:
    """One tar member (header + data + padding) with fixed metadata: the same name and bytes give the same bytes."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = FIXED_MTIME
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    header = info.tobuf(format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape")
    return header + data + b"\0" * (-len(data) % 512)


def sample_bytes(key: str, members: dict[str, bytes]) -> bytes:
    """A WebDataset sample: its members ``KEY.<suffix>`` in sorted order."""
    return b"".join(tar_member(f"{key}.{suffix}", members[suffix]) for suffix in sorted(members))


def clean_reason(reason: str) -> str:
    """A not-fed / error reason as a stable counter key (numbers vary from row to row)."""
    return re.sub(r"-?\d+(\.\d+)?", "N", reason)[:160]


@dataclass
class PieceSummary:
    """Counts of one piece (one unit's samples of one folder): summed into stats.json by the packer."""

    counts: dict[str, list[float]] = field(default_factory=dict)  # dataset -> [instances, audio seconds]
    variants: Counter[str] = field(default_factory=Counter)  # instruction variant -> instances
    labels: Counter[str] = field(default_factory=Counter)  # answer label -> instances

    def add(self, dataset: str, seconds: float, variant: int, label: str) -> None:
        c = self.counts.setdefault(dataset, [0, 0.0])
        c[0] += 1
        c[1] += seconds
        self.variants[str(variant)] += 1
        if label:
            self.labels[label if label in self.labels or len(self.labels) < MAX_LABELS else "(other)"] += 1

    def to_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "variants": dict(self.variants), "labels": dict(self.labels)}


class _Piece:
    def __init__(self, root: Root, path: str):
        self.path = path
        self.file: IO[bytes] = root.open(path, "wb")
        self.offsets: list[int] = []
        self.size = 0
        self.summary = PieceSummary()

    def add(self, data: bytes) -> None:
        self.offsets.append(self.size)
        self.file.write(data)
        self.size += len(data)


@dataclass
class UnitResult:
    unit: str
    recordings: int
    instances: int
    audio_seconds: float
    errors: int
    error_seconds: float


class UnitWriter:
    """Collects one unit's samples and errors as they come and writes its staged output (see the module doc)."""

    def __init__(self, root: Root, unit: str, fingerprint: str, recordings: int, release: Any | None = None):
        self.root, self.unit, self.fingerprint, self.recordings = root, unit, fingerprint, recordings
        self.release = release
        self.pieces: dict[str, _Piece] = {}
        self.errors = io.StringIO()
        self.error_reasons: dict[str, list[float]] = {}
        self.not_fed: dict[str, Counter[str]] = defaultdict(Counter)
        self.instances = 0
        self.seconds = 0.0

    def add(self, row: dict[str, Any]) -> None:
        """An instance row of the ``map_tasks`` stage (or an error row of any stage)."""
        if row.get("error"):
            self._error(row)
            return
        if row.get("not_fed"):
            self.not_fed[str(row["task"])][clean_reason(str(row["not_fed"]))] += 1
            return
        folder = str(row["folder"])
        piece = self.pieces.get(folder)
        if piece is None:
            piece = self.pieces[folder] = _Piece(self.root, f"{unit_dir(self.unit)}/{flat(folder)}.tar")
        members = {"json": row["sample"], **dict(row["members"])}
        if row.get("features") is not None:
            members["features.npy"] = row["features"]
        piece.add(sample_bytes(str(row["key"]), members))
        seconds = float(row["audio_seconds"])
        piece.summary.add(str(row["dataset"]), seconds, int(row["variant"]), str(row.get("label") or ""))
        self.instances += 1
        self.seconds += seconds
        if self.release is not None:
            self.release.add(row)

    def _error(self, row: dict[str, Any]) -> None:
        err = json.loads(row["error"])
        start, end = row.get("start_s"), row.get("end_s")
        seconds = end - start if start is not None and end is not None else row.get("duration_s")
        record = {
            "dataset": row["dataset"],
            "recording_id": row["recording_id"],
            "path": row["audio_uri"],
            "stage": err["stage"],
            "type": err["type"],
            "message": err["message"],
            "audio_seconds": float(seconds) if seconds is not None else None,
        }
        self.errors.write(json.dumps(record, ensure_ascii=False) + "\n")
        r = self.error_reasons.setdefault(str(err["type"]), [0, 0.0])
        r[0] += 1
        r[1] += float(seconds or 0.0)

    def close(self) -> UnitResult:
        pieces = {}
        for folder, piece in sorted(self.pieces.items()):
            piece.file.close()
            part = {"src": "out", "path": piece.path, "offset": 0, "length": piece.size, "offsets": piece.offsets}
            pieces[folder] = {"parts": [part], "summary": piece.summary.to_dict()}
        errors_text = self.errors.getvalue()
        errors_path = f"{unit_dir(self.unit)}/errors.jsonl" if errors_text else None
        if errors_path:
            self.root.write_bytes_atomic(errors_path, errors_text.encode())
        release = self.release.close() if self.release is not None else None
        n_errors = sum(int(v[0]) for v in self.error_reasons.values())
        marker = {
            "unit": self.unit,
            "fingerprint": self.fingerprint,
            "recordings": self.recordings,
            "instances": self.instances,
            "audio_seconds": round(self.seconds, 6),
            "pieces": pieces,
            "errors": {"count": n_errors, "by_reason": self.error_reasons, "path": errors_path},
            "not_fed": {t: dict(c) for t, c in sorted(self.not_fed.items())},
            "release": release,
        }
        self.root.write_bytes_atomic(marker_path(self.unit), json.dumps(marker).encode())  # last: the unit is done
        return UnitResult(
            self.unit,
            self.recordings,
            self.instances,
            self.seconds,
            n_errors,
            sum(float(v[1]) for v in self.error_reasons.values()),
        )

    def abort(self) -> None:
        for piece in self.pieces.values():
            with contextlib.suppress(Exception):  # the unit is redone; a half-written piece is overwritten then
                piece.file.close()


def read_marker(root: Root, unit: str) -> dict[str, Any] | None:
    if not root.exists(marker_path(unit)):
        return None
    try:
        data = json.loads(root.read_bytes(marker_path(unit)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
