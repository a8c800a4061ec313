"""Megatron-Energon metadata, written by the build itself (no ``energon prepare`` pass over the shards).

Every task folder ``shards/<domain>/<code>/`` is one Energon dataset whose split parts are its split folders. What
Energon 7.4 reads when it loads a webdataset (``flavors/webdataset/metadata.py``, ``itar.py``):

- ``.nv-meta/.info.json``: ``{"energon_version", "shard_counts": {"train/shard-000000.tar": N, ...}}``;
- ``.nv-meta/split.yaml``: ``split_parts: {train: [...], val: [...], test: [...]}``, shard paths relative to the
  task folder (our ``dev`` split is Energon's ``val``, what ``get_val_dataset`` loads);
- ``.nv-meta/dataset.yaml``: ``CrudeWebdataset`` with the folder's subflavors (``domain``, ``task``, ``code``), so a
  task encoder's ``Cooker(has_subflavors={"code": ...})`` turns each crude sample (``json`` decoded to a dict,
  ``input.flac`` / ``output.flac`` decoded by Energon's audio decoder) into its own sample type;
- ``<shard>.tar.idx`` beside every shard: little-endian uint64 byte offsets of each sample's first header, then the
  end of the last sample (random access into the tar).

``index.sqlite`` is left out: Energon needs it only for joined or auxiliary datasets.

The sample offsets come from ``units.parquet`` (where each unit's samples landed), so no shard is read again; a
shard whose offsets it cannot account for is read once, headers only.
"""

from __future__ import annotations

import json
import struct
import tarfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow.parquet as pq
import yaml

from audioflan_ray.errors import AudioFlanError
from audioflan_ray.schema import ENERGON_DIR, FORMAT, SHARD_INDEX, SHARDS_DIR, STAGING, UNIT_INDEX
from audioflan_ray.sink.pieces import TAR_END
from audioflan_ray.storage import Root

#: The ``.nv-meta`` layout written here is the one Energon 7.4 writes and reads.
ENERGON_VERSION = "7.4.1"
INFO = f"{ENERGON_DIR}/.info.json"
SPLITS = f"{ENERGON_DIR}/split.yaml"
DATASET = f"{ENERGON_DIR}/dataset.yaml"
INDEX_SUFFIX = ".idx"  # Energon opens "<shard>.tar" + ".idx"
SPLIT_PARTS = {"train": "train", "dev": "val", "test": "test"}
WRITERS = 16


class EnergonIndexError(AudioFlanError):
    """A shard's samples cannot be located (its tar headers disagree with the shard index)."""


def task_folder(shard_path: str) -> str:
    """``shards/<domain>/<code>/<split>/shard-N.tar`` -> ``shards/<domain>/<code>``."""
    return shard_path.rsplit("/", 2)[0]


def folders(shards: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Task folder -> its shard rows, in path order."""
    out: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in sorted(shards, key=lambda r: str(r["path"])):
        out[task_folder(str(row["path"]))].append(row)
    return dict(sorted(out.items()))


def metadata_files(folder: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, bytes]:
    """The three ``.nv-meta`` files of one task folder (paths relative to the output root)."""
    counts = {row["path"][len(folder) + 1 :]: int(row["num_samples"]) for row in rows}
    parts: dict[str, list[str]] = {part: [] for part in SPLIT_PARTS.values()}
    for row in rows:
        parts[SPLIT_PARTS[str(row["split"])]].append(row["path"][len(folder) + 1 :])
    first = rows[0]
    dataset = {
        "__module__": "megatron.energon",
        "__class__": "CrudeWebdataset",
        "subflavors": {
            "format": FORMAT,
            "domain": str(first["domain"]),
            "task": str(first["task"]),
            "code": str(first["code"]),
        },
    }
    info = {"energon_version": ENERGON_VERSION, "shard_counts": counts}
    return {
        f"{folder}/{INFO}": json.dumps(info, indent=2).encode(),
        f"{folder}/{SPLITS}": yaml.safe_dump({"split_parts": parts, "exclude": []}, sort_keys=False).encode(),
        f"{folder}/{DATASET}": yaml.safe_dump(dataset, sort_keys=False).encode(),
    }


def index_bytes(offsets: Sequence[int], end: int) -> bytes:
    return struct.pack(f"<{len(offsets) + 1}Q", *offsets, end)


def offsets_from_units(out: Root) -> dict[str, list[int]]:
    """Shard path -> byte offset of each of its samples, from ``units.parquet``."""
    if not out.exists(UNIT_INDEX):
        return {}
    with out.open(UNIT_INDEX, "rb") as f:
        table = pq.read_table(f, columns=["folder", "path", "offset", "offsets"])
    found: dict[str, list[int]] = defaultdict(list)
    for folder, path, offset, offsets in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True):
        if folder and path:
            found[path].extend(int(offset) + int(o) for o in offsets or [])
    return {path: sorted(v) for path, v in found.items()}


def offsets_from_tar(out: Root, path: str) -> list[int]:
    """Byte offsets of the samples of one shard, from its tar headers (a sample is a run of members of one key)."""
    offsets: list[int] = []
    last = None
    with out.open(path, "rb") as f, tarfile.open(fileobj=f, mode="r:") as tar:
        for member in tar:
            key = member.name.rsplit("/", 1)[-1].split(".", 1)[0]
            if key != last:
                offsets.append(member.offset)
                last = key
    return offsets


def _shard_index(out: Root, row: Mapping[str, Any], known: Mapping[str, list[int]]) -> tuple[str, bytes]:
    path, n, size = str(row["path"]), int(row["num_samples"]), int(row["num_bytes"])
    offsets = known.get(path, [])
    if len(offsets) != n or (offsets and offsets[0] != 0):
        offsets = offsets_from_tar(out, path)
    if len(offsets) != n:
        raise EnergonIndexError(f"{path}: {len(offsets)} samples in the tar, {n} in {SHARD_INDEX}")
    return path + INDEX_SUFFIX, index_bytes(offsets, size - len(TAR_END))


def write(out: Root, shards: Sequence[Mapping[str, Any]]) -> list[str]:
    """Write the Energon metadata of every task folder and the index of every shard; returns the paths written."""
    known = offsets_from_units(out)
    files: dict[str, bytes] = {}
    for folder, rows in folders(shards).items():
        files.update(metadata_files(folder, rows))
    with ThreadPoolExecutor(WRITERS) as pool:
        files.update(pool.map(lambda row: _shard_index(out, row, known), shards))
        list(pool.map(lambda item: out.write_bytes_atomic(*item), files.items()))
    return sorted(files)


def remove_stale(out: Root, written: Iterable[str]) -> list[str]:
    """Remove the Energon files of the replaced build (its kept shard index says which) that this build did not
    write: indexes of shards that are gone, metadata of task folders that are gone or, with ``output.energon``
    off, all of them. Returns what was removed."""
    kept = f"{STAGING}/previous/{SHARD_INDEX}"  # where the build driver keeps it while it commits
    if not out.exists(kept):
        return []
    with out.open(kept, "rb") as f:
        rows = pq.read_table(f).to_pylist()
    old = {str(r["path"]) + INDEX_SUFFIX for r in rows if str(r["path"]).startswith(f"{SHARDS_DIR}/")}
    for folder in folders(rows):
        old.update(f"{folder}/{name}" for name in (INFO, SPLITS, DATASET))
    gone = sorted(old - set(written))
    for rel in gone:
        out.remove(rel)
    return gone
