"""Deterministic WebDataset tar writing and reading (no Ray).

Samples are written in arrival order into *pieces*: a piece is closed once it reaches the byte or sample limit.
Tar headers are fixed (mtime, owner, mode) so the same samples in the same order give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

FIXED_MTIME = 0  # 1970-01-01: a rebuild must give identical bytes


class _HashingWriter(io.RawIOBase):
    """Counts and hashes what tarfile writes, passing it on to the real file."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self.raw.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = FIXED_MTIME
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


@dataclass
class Sample:
    key: str
    members: dict[str, bytes]  # suffix -> bytes, e.g. {"json": ..., "input.flac": ...}
    seq: int = 0
    order: int = 0
    task: str = ""
    split: str = ""
    dataset: str = ""
    domain: str = ""
    audio_seconds: float = 0.0
    variant: int = -1  # instruction variant of the task's template (-1: unknown)


@dataclass
class PieceInfo:
    """What one written tar holds (becomes a manifest entry once committed)."""

    path: str  # relative to the output root
    num_samples: int = 0
    num_bytes: int = 0
    sha256: str = ""
    tasks: dict[str, int] = field(default_factory=dict)
    # (domain, task, split, dataset) -> [instances, audio seconds]
    counts: dict[str, list[float]] = field(default_factory=dict)
    index: list[tuple[str, int, int]] = field(default_factory=list)  # (key, seq, order) per sample
    variants: dict[str, dict[str, int]] = field(default_factory=dict)  # task -> instruction variant -> instances

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "num_samples": self.num_samples,
            "num_bytes": self.num_bytes,
            "sha256": self.sha256,
            "tasks": dict(sorted(self.tasks.items())),
        }


def count_key(domain: str, task: str, split: str, dataset: str) -> str:
    return "\t".join((domain, task, split, dataset))


class PieceWriter:
    """Writes a stream of samples into consecutive tar pieces named by ``name_of(piece_index)``."""

    def __init__(self, opener: Any, name_of: Any, max_bytes: int, max_samples: int):
        self.opener = opener  # path -> writable binary file object
        self.name_of = name_of
        self.max_bytes = max_bytes
        self.max_samples = max_samples
        self.pieces: list[PieceInfo] = []
        self._file: IO[bytes] | None = None
        self._hash: _HashingWriter | None = None
        self._tar: tarfile.TarFile | None = None

    def _open(self) -> None:
        info = PieceInfo(path=self.name_of(len(self.pieces)))
        self._file = self.opener(info.path)
        self._hash = _HashingWriter(self._file)
        # closed in _close(): a piece stays open across many write() calls
        self._tar = tarfile.open(fileobj=self._hash, mode="w|", format=tarfile.GNU_FORMAT)  # noqa: SIM115
        self.pieces.append(info)

    def _close(self) -> None:
        if self._tar is None:
            return
        assert self._hash is not None and self._file is not None
        self._tar.close()
        self._file.close()
        piece = self.pieces[-1]
        piece.num_bytes = self._hash.size
        piece.sha256 = self._hash.sha.hexdigest()
        self._tar = self._hash = self._file = None

    def write(self, sample: Sample) -> None:
        if self._tar is not None:
            piece = self.pieces[-1]
            assert self._hash is not None
            if piece.num_samples >= self.max_samples or self._hash.size >= self.max_bytes:
                self._close()
        if self._tar is None:
            self._open()
        assert self._tar is not None
        for suffix in sorted(sample.members):
            _add(self._tar, f"{sample.key}.{suffix}", sample.members[suffix])
        piece = self.pieces[-1]
        piece.num_samples += 1
        piece.tasks[sample.task] = piece.tasks.get(sample.task, 0) + 1
        c = piece.counts.setdefault(count_key(sample.domain, sample.task, sample.split, sample.dataset), [0, 0.0])
        c[0] += 1
        c[1] += sample.audio_seconds
        piece.index.append((sample.key, sample.seq, sample.order))
        per_task = piece.variants.setdefault(sample.task, {})
        per_task[str(sample.variant)] = per_task.get(str(sample.variant), 0) + 1

    def close(self) -> list[PieceInfo]:
        self._close()
        return self.pieces


def read_samples(fileobj: IO[bytes]) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Yield (key, {suffix: bytes}) from a WebDataset tar; a key is the basename up to its first dot."""
    current: str | None = None
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=fileobj, mode="r|*") as tar:
        for info in tar:
            if not info.isfile():
                continue
            base = info.name.rsplit("/", 1)[-1]
            key, _, suffix = base.partition(".")
            f = tar.extractfile(info)
            data = f.read() if f else b""
            if key != current:
                if current is not None:
                    yield current, members
                current, members = key, {}
            members[suffix] = data
    if current is not None:
        yield current, members
