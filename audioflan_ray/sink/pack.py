"""Packing: the staged pieces of consecutive units become full shards (and jsonl / scp files), deterministically.

The packer never sees samples, only byte ranges:

1. ``gather`` (one task per batch of units, in plan order) reads the units' markers and writes one row per piece to
   ``_staging/pack/<run>/gather-*.parquet``: its target (a shard folder, a release jsonl group, an scp file), the
   unit's position in the plan, and where its bytes are (this output's staging, or a shard of the build it reuses).
2. ``plan_target`` (one task per target) orders its pieces by unit and cuts them into outputs: a shard closes before
   a piece that would take it past ``output.shard_max_bytes`` or ``shard_max_samples``; a piece larger than that is
   cut between samples (its sample offsets are in the marker). The same pieces give the same shards, whatever ran
   where and however often: a resumed or incremental build is byte-identical to a fresh one.
3. ``write_outputs`` (tasks over ranges of a target's outputs) concatenates the ranges (server-side copies on S3)
   and appends the tar end marker, hashing as it goes; it returns the shard index rows and writes, per unit and
   folder, where the unit's samples landed (``units.parquet``, for the next incremental build).

scp files are merged by AUDIO_ID (a partner's or noise clip's id appears in several units) instead of cut.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from audioflan_ray.release import JSONL_MAX_BYTES
from audioflan_ray.schema import STAGING, UNIT_INDEX, UNIT_INDEX_SCHEMA, shard_path
from audioflan_ray.sink.pieces import TAR_END, read_marker
from audioflan_ray.storage import Root, Span, StorageOptions, concat
from audioflan_ray.tasks.engine import templates

#: rows per row group of the unit index parts: what the merge holds at a time
MERGE_ROWS = 4096
GATHER_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),  # shard | jsonl | scp
        ("target", pa.string()),  # shard folder, jsonl group, scp file
        ("order", pa.int64()),  # the unit's position in the plan
        ("unit", pa.string()),
        ("fingerprint", pa.string()),
        ("src", pa.string()),  # "out": this output; "prev": the build reused from
        ("path", pa.string()),
        ("offset", pa.int64()),
        ("length", pa.int64()),
        ("samples", pa.int64()),  # samples (shards) or lines (jsonl, scp)
        ("offsets", pa.list_(pa.int64())),  # sample offsets within the piece, to cut a piece too big for a shard
        ("summary", pa.string()),  # the piece's counts (JSON)
    ]
)
SPEC_SCHEMA = pa.schema(
    [
        ("output", pa.int64()),
        ("unit", pa.string()),
        ("fingerprint", pa.string()),
        ("src", pa.string()),
        ("path", pa.string()),
        ("offset", pa.int64()),
        ("length", pa.int64()),
        ("samples", pa.int64()),
        ("summary", pa.string()),
        ("offsets", pa.list_(pa.int64())),
    ]
)


def pack_dir(run_id: str) -> str:
    return f"{STAGING}/pack/{run_id}"


def _flat(target: str) -> str:
    return target.replace("/", "__")


@dataclass
class Roots:
    out: Root
    prev: Root | None

    @classmethod
    def make(cls, out_uri: str, prev_uri: str | None, options: StorageOptions) -> Roots:
        return cls(Root(out_uri, options), Root(prev_uri, options) if prev_uri else None)

    def of(self, src: str) -> Root:
        if src == "prev":
            if self.prev is None:
                raise RuntimeError("a piece refers to the reused build, but none is configured")
            return self.prev
        return self.out


@dataclass
class GatherResult:
    units: int = 0
    recordings: int = 0
    instances: int = 0
    audio_seconds: float = 0.0
    errors: dict[str, list[float]] = field(default_factory=dict)  # reason -> [rows, seconds]
    error_files: list[str] = field(default_factory=list)
    not_fed: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    targets: Counter[str] = field(default_factory=Counter)  # "kind\ttarget" -> pieces
    missing: list[str] = field(default_factory=list)  # units without a marker (a bug if the graph finished)


def gather(
    out_uri: str, options: StorageOptions, run_id: str, batch: int, units: list[tuple[int, str, str]]
) -> GatherResult:
    """Read the markers of ``units`` ((plan order, unit id, fingerprint)) into one gather file."""
    root = Root(out_uri, options)
    res = GatherResult()
    rows: list[dict[str, Any]] = []
    unit_records: list[dict[str, Any]] = []
    for order, unit, fingerprint in units:
        marker = read_marker(root, unit)
        if marker is None or marker.get("fingerprint") != fingerprint:
            res.missing.append(unit)
            continue
        res.units += 1
        res.recordings += int(marker["recordings"])
        res.instances += int(marker["instances"])
        res.audio_seconds += float(marker["audio_seconds"])
        for reason, (n, secs) in (marker.get("errors") or {}).get("by_reason", {}).items():
            acc = res.errors.setdefault(reason, [0, 0.0])
            acc[0] += n
            acc[1] += secs
        errors_path = (marker.get("errors") or {}).get("path")
        if errors_path:
            res.error_files.append(str(errors_path))
        for task, reasons in (marker.get("not_fed") or {}).items():
            res.not_fed[task].update(reasons)
        for folder, piece in sorted((marker.get("pieces") or {}).items()):
            summary = json.dumps(piece.get("summary") or {})
            for part in piece["parts"]:
                rows.append(
                    {
                        "kind": "shard",
                        "target": folder,
                        "order": order,
                        "unit": unit,
                        "fingerprint": fingerprint,
                        "src": str(part.get("src") or "out"),
                        "path": part["path"],
                        "offset": int(part.get("offset") or 0),
                        "length": int(part["length"]),
                        "samples": len(part["offsets"]),
                        "offsets": part["offsets"],
                        "summary": summary,
                    }
                )
                summary = "{}"  # a piece's counts ride on its first part
        unit_records.append(
            {
                "unit": unit,
                "fingerprint": fingerprint,
                "folder": "",
                "path": "",
                "offset": 0,
                "length": 0,
                "num_samples": int(marker["instances"]),
                "offsets": [],
                "summary": json.dumps(
                    {k: marker.get(k) for k in ("recordings", "instances", "audio_seconds", "errors", "not_fed")}
                ),
                "errors": root.read_text(errors_path) if errors_path else "",
            }
        )
        release = marker.get("release") or {}
        for kind in ("jsonl", "scp"):
            for target, part in sorted((release.get(kind) or {}).items()):
                rows.append(
                    {
                        "kind": kind,
                        "target": target,
                        "order": order,
                        "unit": unit,
                        "fingerprint": fingerprint,
                        "src": "out",
                        "path": part["path"],
                        "offset": 0,
                        "length": int(part["bytes"]),
                        "samples": int(part["lines"]),
                        "offsets": [],
                        "summary": "{}",
                    }
                )
    for r in rows:
        res.targets[f"{r['kind']}\t{r['target']}"] += 1
    with root.open(f"{pack_dir(run_id)}/gather-{batch:06d}.parquet", "wb") as f:
        pq.write_table(pa.Table.from_pylist(rows, schema=GATHER_SCHEMA), f)
    with root.open(f"{pack_dir(run_id)}/units/records-{batch:06d}.parquet", "wb") as f:
        pq.write_table(pa.Table.from_pylist(unit_records, schema=UNIT_INDEX_SCHEMA), f, row_group_size=MERGE_ROWS)
    return res


def _read_target(root: Root, run_id: str, batches: int, kind: str, target: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for b in range(batches):
        with root.open(f"{pack_dir(run_id)}/gather-{b:06d}.parquet", "rb") as f:
            table = pq.read_table(f, filters=[("kind", "=", kind), ("target", "=", target)])
        rows.extend(table.to_pylist())
    rows.sort(key=lambda r: r["order"])
    return rows


def spec_path(run_id: str, kind: str, target: str) -> str:
    return f"{pack_dir(run_id)}/specs/{kind}-{_flat(target)}.parquet"


def output_name(kind: str, target: str, index: int) -> str:
    if kind == "shard":
        return shard_path(target, index)
    if kind == "jsonl":
        return f"{target}-{index:06d}.jsonl"
    return target


def plan_target(
    out_uri: str,
    options: StorageOptions,
    run_id: str,
    batches: int,
    kind: str,
    target: str,
    max_bytes: int,
    max_samples: int,
) -> int:
    """Cut one target's pieces into outputs; writes the spec, returns the output count.

    Shards are filled sample by sample: one closes exactly before the sample that would take it past
    ``max_bytes`` or ``max_samples`` (a sample larger than a whole shard gets one of its own). The cut depends only on
    the sequence of samples, not on how they were staged, so a unit reused from an earlier build (whose piece may
    arrive in several parts) lands exactly where a fresh build puts it. Text files (jsonl) are cut between pieces.
    """
    root = Root(out_uri, options)
    pieces = _read_target(root, run_id, batches, kind, target)
    specs: list[dict[str, Any]] = []
    output, size, count = 0, 0, 0

    def emit(p: dict[str, Any], start: int, end: int, samples: int, summary: str) -> None:
        specs.append(
            {
                "output": output,
                "unit": p["unit"],
                "fingerprint": p["fingerprint"],
                "src": p["src"],
                "path": p["path"],
                "offset": p["offset"] + start,
                "length": end - start,
                "samples": samples,
                "summary": summary,
                "offsets": [o - start for o in p["offsets"] if start <= o < end] if kind == "shard" else [],
            }
        )

    for p in pieces:
        if p["length"] == 0:
            continue
        if kind != "shard":  # whole pieces; scp: one file
            if kind == "jsonl" and size and size + p["length"] > JSONL_MAX_BYTES:
                output, size = output + 1, 0
            emit(p, 0, p["length"], p["samples"], "{}")
            size += p["length"]
            continue
        bounds = [*p["offsets"], p["length"]]
        start, summary = 0, p["summary"]
        for k in range(len(p["offsets"])):
            sample = bounds[k + 1] - bounds[k]
            if count and (size + sample > max_bytes or count + 1 > max_samples):
                if k > start:
                    emit(p, bounds[start], bounds[k], k - start, summary)
                    summary = "{}"
                output, size, count, start = output + 1, 0, 0, k
            size += sample
            count += 1
        emit(p, bounds[start], bounds[-1], len(p["offsets"]) - start, summary)
    with root.open(spec_path(run_id, kind, target), "wb") as f:
        pq.write_table(pa.Table.from_pylist(specs, schema=SPEC_SCHEMA), f)
    return output + 1 if specs else 0


@dataclass
class WriteResult:
    shards: list[dict[str, Any]] = field(default_factory=list)  # shard index rows
    files: list[str] = field(default_factory=list)  # release files written
    summary: dict[str, Any] = field(default_factory=dict)  # summed counts of the shards written
    units_path: str | None = None  # the unit index rows of these outputs


def _add_summary(acc: dict[str, Any], summary: dict[str, Any]) -> None:
    for ds, (n, secs) in (summary.get("counts") or {}).items():
        c = acc.setdefault("counts", {}).setdefault(ds, [0, 0.0])
        c[0] += n
        c[1] += secs
    for name in ("variants", "labels"):
        bucket = acc.setdefault(name, {})
        for k, n in (summary.get(name) or {}).items():
            bucket[k] = bucket.get(k, 0) + n


def write_outputs(
    out_uri: str,
    prev_uri: str | None,
    options: StorageOptions,
    run_id: str,
    kind: str,
    target: str,
    first: int,
    last: int,
) -> WriteResult:
    """Write outputs ``first``..``last - 1`` of one target from its spec."""
    roots = Roots.make(out_uri, prev_uri, options)
    root = roots.out
    with root.open(spec_path(run_id, kind, target), "rb") as f:
        spec = pq.read_table(f, filters=[("output", ">=", first), ("output", "<", last)]).to_pylist()
    by_output: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for s in spec:
        by_output[int(s["output"])].append(s)
    res = WriteResult()
    unit_rows: list[dict[str, Any]] = []
    for k in sorted(by_output):
        parts = by_output[k]
        name = output_name(kind, target, k)
        if kind == "scp":
            _write_scp(roots, name, parts)
            res.files.append(name)
            continue
        spans = [Span(roots.of(p["src"]), p["path"], int(p["offset"]), int(p["length"])) for p in parts]
        size, sha = concat(root, name, spans, TAR_END if kind == "shard" else b"")
        if kind == "jsonl":
            res.files.append(name)
            continue
        summary: dict[str, Any] = {}
        pos = 0
        for p in parts:
            piece = json.loads(p["summary"] or "{}")
            _add_summary(summary, piece)
            unit_rows.append(
                {
                    "unit": p["unit"],
                    "fingerprint": p["fingerprint"],
                    "folder": target,
                    "path": name,
                    "offset": pos,
                    "length": int(p["length"]),
                    "num_samples": int(p["samples"]),
                    "offsets": p["offsets"],
                    "summary": p["summary"],
                    "errors": "",
                }
            )
            pos += int(p["length"])
        domain, code, split = target.split("/")
        res.shards.append(
            {
                "path": name,
                "num_samples": sum(int(p["samples"]) for p in parts),
                "num_bytes": size,
                "sha256": sha,
                "domain": domain,
                "task": _task_of(code),
                "split": split,
                "code": code,
            }
        )
        _add_summary(res.summary, summary)
    if unit_rows:
        res.units_path = f"{pack_dir(run_id)}/units/{kind}-{_flat(target)}-{first:06d}.parquet"
        with root.open(res.units_path, "wb") as f:
            pq.write_table(pa.Table.from_pylist(unit_rows, schema=UNIT_INDEX_SCHEMA), f, row_group_size=MERGE_ROWS)
    return res


def _task_of(code: str) -> str:
    for minor, t in templates().items():
        if t.code == code:
            return minor
    raise KeyError(f"no task has the code {code!r}")


def _write_scp(roots: Roots, name: str, parts: list[dict[str, Any]]) -> None:
    """One scp file from its units' lines: one line per AUDIO_ID (a partner's id comes from several units, always
    naming the same file), sorted, so the file does not depend on how the work was batched."""
    lines: dict[str, str] = {}
    for p in parts:
        text = roots.of(p["src"]).read_range(p["path"], int(p["offset"]), int(p["length"])).decode()
        for line in text.splitlines():
            lines.setdefault(line.split(" ", 1)[0], line)
    body = "".join(lines[k] + "\n" for k in sorted(lines))
    roots.out.write_bytes_atomic(name, body.encode())


def merge_parquet(root: Root, parts: list[str], dest: str, schema: pa.Schema) -> int:
    """Concatenate Parquet parts into ``dest`` a row group at a time (parts are written in row groups of
    ``MERGE_ROWS``); returns the row count."""
    rows = 0
    with root.open(dest + ".tmp", "wb") as sink, pq.ParquetWriter(sink, schema) as writer:
        for part in parts:
            with root.open(part, "rb") as f:
                pf = pq.ParquetFile(f)
                for group in range(pf.num_row_groups):
                    table = pf.read_row_group(group, use_threads=False).cast(schema)
                    writer.write_table(table)
                    rows += table.num_rows
    root.move(dest + ".tmp", dest)
    return rows


def merge_unit_index(out_uri: str, options: StorageOptions, parts: list[str]) -> int:
    """Write ``units.parquet`` from the unit index parts (a task: its memory grows with the index)."""
    return merge_parquet(Root(out_uri, options), parts, UNIT_INDEX, UNIT_INDEX_SCHEMA)
