"""One filesystem abstraction for every read and write: local paths, ``file://`` and ``s3://`` URIs.

Everything goes through fsspec so that an ``s3://`` root or output drops in where a local path works.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import fsspec


@dataclass(frozen=True)
class StorageOptions:
    """How to reach object storage. Credentials come from the standard AWS environment, never from here."""

    endpoint_url: str | None = None


def split_uri(uri: str) -> tuple[str, str]:
    """Return (protocol, path) with ``file`` for local paths; local paths become absolute."""
    if uri.startswith("s3://"):
        return "s3", uri[len("s3://") :].rstrip("/")
    if uri.startswith("file://"):
        uri = uri[len("file://") :]
    return "file", os.path.abspath(uri)


def filesystem(uri: str, options: StorageOptions | None = None) -> tuple[fsspec.AbstractFileSystem, str]:
    """Return the filesystem for ``uri`` and the path of ``uri`` within it."""
    protocol, path = split_uri(uri)
    if protocol == "s3":
        endpoint = (options.endpoint_url if options else None) or os.environ.get("AWS_ENDPOINT_URL")
        return _s3(endpoint), path
    return fsspec.filesystem("file"), path


@lru_cache(maxsize=8)
def _s3(endpoint: str | None) -> fsspec.AbstractFileSystem:
    kwargs: dict[str, Any] = {
        # Throttling (SlowDown, 503) and 5xx are retried with adaptive backoff by botocore.
        "config_kwargs": {"retries": {"max_attempts": 10, "mode": "adaptive"}},
        # A build lists each prefix once; a stale listing cache would hide objects written since.
        "use_listings_cache": False,
        "skip_instance_cache": True,
    }
    if endpoint:
        kwargs["client_kwargs"] = {"endpoint_url": endpoint}
    return fsspec.filesystem("s3", **kwargs)


def parallel_find(fs: fsspec.AbstractFileSystem, base: str, workers: int = 32, target: int = 64) -> dict[str, int]:
    """Every file below ``base`` with its size, listing sub-prefixes concurrently.

    One recursive S3 listing is a single chain of 1,000-key pages; splitting it by prefix (corpora are laid out by
    speaker, chapter, genre...) lets many listings run at once.
    """
    files: dict[str, int] = {}
    prefixes = [base]
    for _ in range(3):  # expand a few levels until there are enough prefixes to spread over the workers
        if len(prefixes) >= target:
            break
        nxt = []
        with ThreadPoolExecutor(workers) as pool:
            for entries in pool.map(lambda p: fs.ls(p, detail=True), prefixes):
                for e in entries:
                    if e.get("type") == "directory":
                        nxt.append(e["name"].rstrip("/"))
                    else:
                        files[e["name"]] = int(e.get("size") or 0)
        prefixes = nxt
        if not prefixes:
            return files
    with ThreadPoolExecutor(workers) as pool:
        for found in pool.map(lambda p: fs.find(p, detail=True), prefixes):
            for name, info in found.items():
                if info.get("type") != "directory":
                    files[name] = int(info.get("size") or 0)
    return files


def join_uri(base: str, *parts: str) -> str:
    """Join path parts onto a URI, keeping its scheme."""
    protocol, path = split_uri(base)
    joined = posixpath.join(path, *parts)
    return f"s3://{joined}" if protocol == "s3" else joined


class Root:
    """A folder in some filesystem, addressed by paths relative to it (a corpus root or a build output)."""

    def __init__(self, uri: str, options: StorageOptions | None = None):
        self.uri = uri
        self.options = options
        self.protocol, _ = split_uri(uri)
        self.fs, self.path = filesystem(uri, options)

    def abs(self, rel: str = "") -> str:
        return posixpath.join(self.path, rel) if rel else self.path

    def uri_of(self, rel: str) -> str:
        """The URI of ``rel`` as a reader in another process would open it."""
        return f"s3://{self.abs(rel)}" if self.protocol == "s3" else self.abs(rel)

    def rel(self, full_path: str) -> str:
        # Plain prefix arithmetic: posixpath.relpath would consult the working directory for the relative paths
        # of object stores ("bucket/key"), and a Ray job's working directory may be gone by commit time.
        full_path = full_path[len("s3://") :] if full_path.startswith("s3://") else full_path
        base = self.path.rstrip("/")
        if full_path == base:
            return "."
        if not full_path.startswith(base + "/"):
            raise ValueError(f"{full_path} is not below {self.path}")
        return full_path[len(base) + 1 :]

    def exists(self, rel: str = "") -> bool:
        return bool(self.fs.exists(self.abs(rel)))

    def isdir(self, rel: str = "") -> bool:
        return bool(self.fs.isdir(self.abs(rel)))

    def glob(self, pattern: str) -> list[str]:
        """Paths relative to the root matching ``pattern``, sorted, files only."""
        found = self.fs.glob(self.abs(pattern), detail=True)
        return sorted(self.rel(p) for p, info in found.items() if info.get("type") != "directory")

    def find(self, rel: str = "", suffix: str = "") -> dict[str, int]:
        """Every file below ``rel`` (recursively) ending in ``suffix``: relative path -> size in bytes."""
        base = self.abs(rel)
        if not self.fs.exists(base):
            return {}
        if self.protocol == "s3":
            sizes = parallel_find(self.fs, base)
        else:
            found = self.fs.find(base, detail=True)
            sizes = {p: int(i.get("size") or 0) for p, i in found.items() if i.get("type") != "directory"}
        return dict(sorted((self.rel(p), s) for p, s in sizes.items() if p.endswith(suffix)))

    def ls_dirs(self, rel: str = "") -> list[str]:
        """Names of the sub-folders of ``rel``, sorted."""
        entries = self.fs.ls(self.abs(rel), detail=True)
        return sorted(posixpath.basename(e["name"].rstrip("/")) for e in entries if e.get("type") == "directory")

    def read_bytes(self, rel: str) -> bytes:
        with self.fs.open(self.abs(rel), "rb") as f:
            return bytes(f.read())

    def read_text(self, rel: str, encoding: str = "utf-8") -> str:
        return self.read_bytes(rel).decode(encoding)

    def read_many(self, rels: list[str], encoding: str = "utf-8", workers: int = 32) -> Iterator[tuple[str, str]]:
        """(rel, text) for each path, in order; object stores are read concurrently (many small index files)."""
        if self.protocol != "s3":
            for rel in rels:
                yield rel, self.read_text(rel, encoding)
            return
        with ThreadPoolExecutor(workers) as pool:
            yield from zip(rels, pool.map(lambda r: self.read_text(r, encoding), rels), strict=True)

    def write_bytes_atomic(self, rel: str, data: bytes) -> None:
        """Write so that a reader sees either nothing or the whole object."""
        target = self.abs(rel)
        if self.protocol == "s3":
            # An S3 PUT only becomes visible once complete.
            self.fs.pipe_file(target, data)
            return
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = f"{target}.tmp-{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, target)

    def move(self, src_rel: str, dst_rel: str) -> None:
        src, dst = self.abs(src_rel), self.abs(dst_rel)
        if self.protocol == "s3":
            self.fs.mv(src, dst)
            return
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.replace(src, dst)

    def remove_tree(self, rel: str) -> None:
        target = self.abs(rel)
        if self.fs.exists(target):
            self.fs.rm(target, recursive=True)

    def remove(self, rel: str) -> None:
        target = self.abs(rel)
        if self.fs.exists(target):
            self.fs.rm_file(target)

    def open(self, rel: str, mode: str = "rb") -> Any:
        if "w" in mode and self.protocol == "file":
            os.makedirs(os.path.dirname(self.abs(rel)), exist_ok=True)
        return self.fs.open(self.abs(rel), mode)


def read_uri(uri: str, options: StorageOptions | None = None) -> bytes:
    fs, path = filesystem(uri, options)
    with fs.open(path, "rb") as f:
        return bytes(f.read())
