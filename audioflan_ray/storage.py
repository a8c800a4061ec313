"""One filesystem abstraction for every read and write: local paths, ``file://`` and ``s3://`` URIs.

Everything goes through fsspec so that an ``s3://`` root or output drops in where a local path works.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import posixpath
import random
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import fsspec

from audioflan_ray.errors import DataError, TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")
COPY_BUFFER = 8 << 20
S3_MIN_PART = 5 << 20  # S3's smallest multipart part (all but the last)
S3_MAX_PART = 5 << 30


@dataclass(frozen=True)
class StorageOptions:
    """How to reach object storage. Credentials come from the standard AWS environment, never from here."""

    endpoint_url: str | None = None
    retries: int = 10  # attempts per request for throttling / 5xx / resets (botocore adaptive backoff)


# -- transient faults --------------------------------------------------------------------------------------------------

_TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeoutException",
    "ServiceUnavailable",
    "InternalError",
    "503",
    "500",
    "502",
    "504",
}
_TRANSIENT_ERRNOS = {errno.ECONNRESET, errno.ETIMEDOUT, errno.EPIPE, errno.ECONNABORTED, errno.EBUSY, errno.EIO}
_TRANSIENT_TYPES = (
    "ConnectionError",
    "EndpointConnectionError",
    "ConnectionClosedError",
    "ReadTimeoutError",
    "ConnectTimeoutError",
    "ResponseStreamingError",
    "IncompleteReadError",
    "ServerDisconnectedError",
    "ClientConnectorError",
    "ClientOSError",
    "ClientPayloadError",
)


def is_transient(exc: BaseException) -> bool:
    """Whether a storage exception is a fault that may clear: throttling, 5xx, timeouts, connection resets.

    s3fs turns botocore's ClientError into OSError subclasses and keeps the original as ``__cause__``; the chain is
    walked so that both forms are recognised. A missing object or a denied request is not transient.
    """
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, TransientError | TimeoutError | ConnectionError):
            return True
        if isinstance(e, FileNotFoundError | PermissionError | IsADirectoryError):
            return False
        response = getattr(e, "response", None)
        if isinstance(response, dict):
            err = response.get("Error") or {}
            status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
            if str(err.get("Code")) in _TRANSIENT_CODES or status >= 500:
                return True
        if type(e).__name__ in _TRANSIENT_TYPES:
            return True
        if isinstance(e, OSError) and e.errno in _TRANSIENT_ERRNOS:
            return True
        e = e.__cause__ or e.__context__
    return False


def retrying(fn: Callable[[], T], what: str, attempts: int = 4, base_s: float = 0.5) -> T:
    """``fn()``, retried with jittered exponential backoff while it fails transiently (on top of the S3 client's
    own retries: a connection reset mid-body is not retried there). Persistent faults raise ``TransientError``;
    a missing object raises ``DataError(..., "missing_file")``; any other exception propagates as it is (a bug)."""
    for attempt in range(attempts):
        try:
            return fn()
        except FileNotFoundError as exc:
            raise DataError(f"{what}: not found ({exc})", "missing_file") from exc
        except Exception as exc:
            if not is_transient(exc):
                raise
            if attempt == attempts - 1:
                raise TransientError(f"{what}: {type(exc).__name__}: {exc} (after {attempts} attempts)") from exc
            wait = base_s * 2**attempt * (0.5 + random.random())
            log.warning("%s: %s, retrying in %.1f s", what, type(exc).__name__, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")


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
        return _s3(endpoint, options.retries if options else StorageOptions.retries), path
    return fsspec.filesystem("file"), path


@lru_cache(maxsize=8)
def _s3(endpoint: str | None, retries: int = StorageOptions.retries) -> fsspec.AbstractFileSystem:
    kwargs: dict[str, Any] = {
        # Throttling (SlowDown, 503) and 5xx are retried with adaptive backoff by botocore.
        "config_kwargs": {"retries": {"max_attempts": max(1, retries), "mode": "adaptive"}},
        # A build lists each prefix once; a stale listing cache would hide objects written since.
        "use_listings_cache": False,
        "skip_instance_cache": True,
    }
    if endpoint:
        kwargs["client_kwargs"] = {"endpoint_url": endpoint}
    fs = fsspec.filesystem("s3", **kwargs)
    fs.retries = max(1, min(retries, 5))  # s3fs's own loop around botocore's (not a constructor argument)
    return fs


def parallel_find(
    fs: fsspec.AbstractFileSystem, base: str, workers: int = 32, target: int = 64
) -> dict[str, dict[str, Any]]:
    """Every file below ``base`` with its listing info (size, ETag), listing sub-prefixes concurrently.

    One recursive S3 listing is a single chain of 1,000-key pages; splitting it by prefix (corpora are laid out by
    speaker, chapter, genre...) lets many listings run at once.
    """
    files: dict[str, dict[str, Any]] = {}
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
                        files[e["name"]] = e
        prefixes = nxt
        if not prefixes:
            return files
    with ThreadPoolExecutor(workers) as pool:
        for found in pool.map(lambda p: fs.find(p, detail=True), prefixes):
            for name, info in found.items():
                if info.get("type") != "directory":
                    files[name] = info
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
        # rel -> (size, version) of every file a listing returned: versions come free with the listing
        self._seen: dict[str, tuple[int, str]] = {}

    def _version(self, info: dict[str, Any]) -> str:
        """An id of a file's content as the store reports it: the ETag on S3, the mtime in ns locally."""
        if self.protocol == "s3":
            return str(info.get("ETag") or info.get("etag") or "").strip('"')
        mtime = info.get("mtime") or info.get("created") or 0
        return str(int(float(mtime) * 1e9))

    def version_of(self, rel: str) -> tuple[int, str]:
        """(size, version) of a file, from the listing that found it when there was one (no extra request)."""
        if rel not in self._seen:
            info = self.fs.info(self.abs(rel))
            self._seen[rel] = (int(info.get("size") or 0), self._version(info))
        return self._seen[rel]

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
        out = []
        for p, info in found.items():
            if info.get("type") != "directory":
                rel = self.rel(p)
                self._seen[rel] = (int(info.get("size") or 0), self._version(info))
                out.append(rel)
        return sorted(out)

    def exists_glob(self, pattern: str) -> bool:
        """Whether some file matches ``pattern`` (glob, relative to the root), stopping at the first match: a layout
        check must not list a million-file corpus to see that it is not empty."""
        if self.protocol != "s3":
            import glob as globmod

            return any(os.path.isfile(p) for p in globmod.iglob(self.abs(pattern)))
        import fnmatch

        head = pattern.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
        bucket, _, key = self.abs(head).partition("/")
        target = self.abs(pattern).partition("/")[2]
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": key}
            if token:
                kwargs["ContinuationToken"] = token
            res = self.fs.call_s3("list_objects_v2", **kwargs)
            if any(fnmatch.fnmatchcase(o["Key"], target) for o in res.get("Contents") or []):
                return True
            token = res.get("NextContinuationToken")
            if not token:
                return False

    def any_file(self, rel: str = "") -> bool:
        """Whether ``rel`` holds at least one file (cheap: stops at the first, never lists everything)."""
        base = self.abs(rel)
        if self.protocol == "s3":
            bucket, _, key = base.partition("/")
            res = self.fs.call_s3("list_objects_v2", Bucket=bucket, Prefix=key.rstrip("/") + "/", MaxKeys=1)
            return bool(res.get("KeyCount") or res.get("Contents"))
        return any(files for _dirpath, _dirs, files in os.walk(base))

    def top_entries(self, rel: str = "") -> list[str]:
        """Names directly below ``rel`` (files and folders), sorted."""
        if not self.fs.exists(self.abs(rel)):
            return []
        return sorted(posixpath.basename(e.rstrip("/")) for e in self.fs.ls(self.abs(rel), detail=False))

    def find(self, rel: str = "", suffix: str = "") -> dict[str, int]:
        """Every file below ``rel`` (recursively) ending in ``suffix``: relative path -> size in bytes."""
        base = self.abs(rel)
        if not self.fs.exists(base):
            return {}
        if self.protocol == "s3":
            infos = parallel_find(self.fs, base)
        else:
            found = self.fs.find(base, detail=True)
            infos = {p: i for p, i in found.items() if i.get("type") != "directory"}
        out = {}
        for p, info in infos.items():
            if p.endswith(suffix):
                rel = self.rel(p)
                size = int(info.get("size") or 0)
                self._seen[rel] = (size, self._version(info))
                out[rel] = size
        return dict(sorted(out.items()))

    def ls_dirs(self, rel: str = "") -> list[str]:
        """Names of the sub-folders of ``rel``, sorted."""
        entries = self.fs.ls(self.abs(rel), detail=True)
        return sorted(posixpath.basename(e["name"].rstrip("/")) for e in entries if e.get("type") == "directory")

    def read_bytes(self, rel: str) -> bytes:
        """The bytes of ``rel``; transient faults retried (``TransientError`` if they persist)."""

        def read() -> bytes:
            with self.fs.open(self.abs(rel), "rb") as f:
                return bytes(f.read())

        try:
            return retrying(read, self.uri_of(rel))
        except DataError as exc:  # a missing file is the caller's to judge (an index file, a marker...)
            raise FileNotFoundError(str(exc)) from exc

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

    def create_exclusive(self, rel: str, data: bytes) -> bool:
        """Create ``rel`` only if it does not exist (False when it does): an exclusive create locally, a conditional
        PUT (``If-None-Match: *``) on S3, so two builds can never both believe they created it."""
        target = self.abs(rel)
        if self.protocol == "s3":
            bucket, _, key = target.partition("/")
            try:
                self.fs.call_s3("put_object", Bucket=bucket, Key=key, Body=data, IfNoneMatch="*")
            except (FileExistsError, OSError) as exc:
                if isinstance(exc, FileExistsError) or "PreconditionFailed" in repr(exc.__cause__ or exc):
                    return False
                raise
            return True
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return True

    def read_range(self, rel: str, offset: int, length: int) -> bytes:
        with self.fs.open(self.abs(rel), "rb") as f:
            f.seek(offset)
            return bytes(f.read(length))

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
    """The bytes of ``uri``; transient faults retried (``TransientError`` if they persist), a missing object a
    ``DataError``."""
    fs, path = filesystem(uri, options)

    def read() -> bytes:
        with fs.open(path, "rb") as f:
            return bytes(f.read())

    return retrying(read, uri)


@dataclass(frozen=True)
class Span:
    """A byte range of a file: the bytes of one or more consecutive samples of a tar, or lines of a text file."""

    root: Root
    rel: str
    offset: int
    length: int


def concat(dst: Root, rel: str, spans: Sequence[Span], tail: bytes = b"") -> tuple[int, str]:
    """Write ``rel`` as the concatenation of ``spans`` then ``tail``; returns (bytes, sha256).

    Locally the bytes are streamed through (and hashed). On S3 the object is a multipart upload whose large parts
    are copied server-side (UploadPartCopy) while the bytes are read once for the hash; small spans are joined
    until a part reaches S3's 5 MiB minimum.
    """
    sha = hashlib.sha256()
    if dst.protocol != "s3":
        target = dst.abs(rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = f"{target}.tmp-{os.getpid()}"
        size = 0
        with open(tmp, "wb") as out:
            for sp in spans:
                for chunk in _chunks(sp):
                    out.write(chunk)
                    sha.update(chunk)
                    size += len(chunk)
            out.write(tail)
            sha.update(tail)
            size += len(tail)
        os.replace(tmp, target)
        return size, sha.hexdigest()
    return _s3_concat(dst, rel, spans, tail, sha)


def _chunks(sp: Span) -> Iterator[bytes]:
    def read_all() -> list[bytes]:
        out = []
        with sp.root.fs.open(sp.root.abs(sp.rel), "rb") as f:
            f.seek(sp.offset)
            left = sp.length
            while left > 0:
                chunk = f.read(min(COPY_BUFFER, left))
                if not chunk:
                    raise DataError(f"{sp.rel}: ends before offset {sp.offset + sp.length}", "short_file")
                out.append(chunk)
                left -= len(chunk)
        return out

    if sp.length <= 4 * COPY_BUFFER:
        yield from retrying(read_all, sp.rel)
        return
    with sp.root.fs.open(sp.root.abs(sp.rel), "rb") as f:
        f.seek(sp.offset)
        left = sp.length
        while left > 0:
            chunk = f.read(min(COPY_BUFFER, left))
            if not chunk:
                raise DataError(f"{sp.rel}: ends before offset {sp.offset + sp.length}", "short_file")
            yield chunk
            left -= len(chunk)


def _s3_concat(dst: Root, rel: str, spans: Sequence[Span], tail: bytes, sha: Any) -> tuple[int, str]:
    fs = dst.fs
    bucket, _, key = dst.abs(rel).partition("/")
    upload = fs.call_s3("create_multipart_upload", Bucket=bucket, Key=key)["UploadId"]
    parts: list[dict[str, Any]] = []
    buffer = bytearray()
    size = 0

    def put(data: bytes) -> None:
        n = len(parts) + 1
        etag = fs.call_s3("upload_part", Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=data)["ETag"]
        parts.append({"PartNumber": n, "ETag": etag})

    def copy(sp: Span, start: int, length: int) -> None:
        n = len(parts) + 1
        src_bucket, _, src_key = sp.root.abs(sp.rel).partition("/")
        res = fs.call_s3(
            "upload_part_copy",
            Bucket=bucket,
            Key=key,
            UploadId=upload,
            PartNumber=n,
            CopySource={"Bucket": src_bucket, "Key": src_key},
            CopySourceRange=f"bytes={start}-{start + length - 1}",
        )
        parts.append({"PartNumber": n, "ETag": res["CopyPartResult"]["ETag"]})

    try:
        for sp in spans:
            pos = 0
            for chunk in _chunks(sp):  # the hash needs every byte in order
                sha.update(chunk)
            size += sp.length
            if sp.length >= 2 * S3_MIN_PART and sp.root.protocol == "s3":
                # top the buffer up to a valid part from the head of this span, copy the rest server-side
                if buffer:
                    need = max(0, S3_MIN_PART - len(buffer))
                    buffer += sp.root.read_range(sp.rel, sp.offset, need)
                    put(bytes(buffer))
                    buffer.clear()
                    pos = need
                while sp.length - pos > 0:
                    n = min(S3_MAX_PART, sp.length - pos)
                    if sp.length - pos - n and sp.length - pos - n < S3_MIN_PART:
                        n = sp.length - pos - S3_MIN_PART
                    copy(sp, sp.offset + pos, n)
                    pos += n
                continue
            buffer += sp.root.read_range(sp.rel, sp.offset, sp.length)
            if len(buffer) >= S3_MIN_PART:
                put(bytes(buffer))
                buffer.clear()
        buffer += tail
        sha.update(tail)
        size += len(tail)
        if buffer or not parts:
            put(bytes(buffer))
        fs.call_s3(
            "complete_multipart_upload",
            Bucket=bucket,
            Key=key,
            UploadId=upload,
            MultipartUpload={"Parts": parts},
        )
    except BaseException:
        fs.call_s3("abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload)
        raise
    return size, sha.hexdigest()
