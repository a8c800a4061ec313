"""Scanning one part of one source: the recipe's recordings, as Parquet, cut into work units (no Ray import).

A scan task runs the recipe over one part of a corpus (a subset or speaker folder, or the whole corpus), checks
every recording's path stays inside the corpus root, decides which label tasks it can feed, and streams the rows to
``_plan/scan/<source>-<part>.parquet``. Units are cut here, content-defined: a unit ends after a recording whose
hashed id falls in 1 of ``unit_recordings`` buckets (or at 4x that length, or at the end of the part), so adding or
removing a recording changes only its own unit and the next build reuses every other one.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from audioflan_ray.config import Config
from audioflan_ray.recipes.base import Absent, Problem, Recipe, Recording, registry
from audioflan_ray.schema import PLAN_DIR
from audioflan_ray.storage import Root, StorageOptions
from audioflan_ray.tasks.engine import Template, templates

SCAN_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("dataset", pa.string()),
        ("number", pa.int64()),
        ("domain", pa.string()),
        ("source", pa.string()),
        ("recording_id", pa.string()),
        ("audio", pa.string()),  # relative to the corpus root
        ("audio_uri", pa.string()),
        ("split", pa.string()),
        ("meta", pa.string()),
        ("tasks", pa.string()),  # JSON list: label tasks whose labels it carries (partners are linked later)
        ("size", pa.int64()),
        ("version", pa.string()),  # ETag / mtime: part of the unit's fingerprint
    ]
)
ROW_GROUP = 8192


def storage_options(cfg: Config) -> StorageOptions:
    return StorageOptions(endpoint_url=cfg.storage.endpoint_url, retries=cfg.storage.retries)


def cannot_feed(
    t: Template, domain: str, provides: frozenset[str] | set[str], values: dict[str, frozenset[str]] | None = None
) -> str | None:
    """Why a recipe (its domain, the fields it provides, the vocabularies it knows) can never feed ``t``."""
    values = values or {}
    if domain not in t.feeds_from:
        return f"domain {domain} not in {list(t.feeds_from)}"
    need = set(t.requires) | {f for p in t.partners for f in p.fields()}
    missing = sorted(need - set(provides))
    if missing:
        return f"lacks {', '.join(missing)}"
    for f, allowed in t.accepts.items():
        if f in values and not values[f] & set(allowed):
            return f"has no {f} in {list(allowed)}"
    for f, refused in t.rejects.items():
        if f in values and values[f] <= set(refused):
            return f"has only {f} in {list(refused)}"
    for p in t.partners:
        for f, mode in p.match:
            if mode != "same" and p.pool == "same" and len(values.get(f, frozenset({"a", "b"}))) < 2:
                return f"has one {f} only, no {p.role} with another"
    return None


def tasks_for(
    domain: str,
    provides: frozenset[str] | set[str],
    wanted: list[str] | tuple[str, ...] | None,
    values: dict[str, frozenset[str]] | None = None,
) -> list[Template]:
    """Templates a recipe can feed: its domain among the task's ``feeds_from``, every needed label provided."""
    return [
        t
        for t in templates().values()
        if (wanted is None or t.minor in wanted) and cannot_feed(t, domain, provides, values) is None
    ]


def wanted_tasks(cfg: Config, index: int) -> list[str] | None:
    src = cfg.sources[index]
    if src.tasks is not None and cfg.build.tasks is not None:
        return [t for t in src.tasks if t in cfg.build.tasks]
    return list(src.tasks) if src.tasks is not None else (list(cfg.build.tasks) if cfg.build.tasks else None)


def recipe_of(cfg: Config, index: int) -> Recipe:
    src = cfg.sources[index]
    return registry()[src.recipe](Root(src.root, storage_options(cfg)), dict(src.options))


def unit_id(source: int, part: int, k: int) -> str:
    """Sorts in plan order: source, then part, then unit within the part."""
    return f"{source:03d}-{part:06d}-{k:05d}"


def is_boundary(dataset: str, recording_id: str, target: int) -> bool:
    h = int.from_bytes(hashlib.sha256(f"{dataset}\x1f{recording_id}".encode()).digest()[:8], "big")
    return h % max(1, target) == 0


@dataclass
class ScanResult:
    source: int
    part: int
    path: str | None  # the scan file (None: no recording)
    problems_path: str | None
    recordings: int = 0
    units: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    absent: Counter[str] = field(default_factory=Counter)
    not_fed: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    digest: str = ""


def inside_root(root: Root, rel: str) -> str | None:
    """Why ``rel`` is not a file inside ``root`` (None when it is): ``..`` / absolute paths, and locally symlinks
    whose target leaves the root (a recording must never read a file the corpus does not hold)."""
    norm = posixpath.normpath(rel)
    if rel.startswith("/") or norm == ".." or norm.startswith("../"):
        return f"{rel} leaves the corpus root"
    if root.protocol == "file":
        base = os.path.realpath(root.path)
        real = os.path.realpath(os.path.join(root.path, norm))
        if real != base and not real.startswith(base + os.sep):
            return f"{rel} resolves to {real}, outside the corpus root {base}"
    return None


def scan_parts(cfg: Config, index: int, parts: list[tuple[int, str]], out_uri: str) -> list[ScanResult]:
    """Scan ``parts`` ((part index, part) pairs) of source ``index`` in order. With ``limit`` on the source, stop
    after that many recordings over all of them (the caller then passes every part to one call)."""
    src = cfg.sources[index]
    recipe = recipe_of(cfg, index)
    cls = type(recipe)
    candidates = tasks_for(recipe.domain, cls.provides, wanted_tasks(cfg, index), cls.values)
    out = Root(out_uri, storage_options(cfg))
    left = src.limit
    results = []
    for part_index, part in parts:
        if left is not None and left <= 0:
            break
        res = _scan_one(cfg, index, recipe, candidates, part_index, part, out, left)
        if left is not None:
            left -= res.recordings
        results.append(res)
    return results


def _scan_one(
    cfg: Config,
    index: int,
    recipe: Recipe,
    candidates: list[Template],
    part_index: int,
    part: str,
    out: Root,
    limit: int | None,
) -> ScanResult:
    src = cfg.sources[index]
    cls = type(recipe)
    name = f"s{index:03d}-p{part_index:06d}"
    res = ScanResult(index, part_index, None, None)
    digest = hashlib.sha256()
    source_json = json.dumps(list(getattr(recipe, "source", cls.source)))
    target = cfg.ray.plan_unit_recordings
    rows: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    writer: pq.ParquetWriter | None = None
    sink: Any = None
    k, in_unit = 0, 0

    def flush() -> None:
        nonlocal writer, sink
        if not rows:
            return
        if writer is None:
            res.path = f"{PLAN_DIR}/scan/{name}.parquet"
            sink = out.open(res.path, "wb")
            writer = pq.ParquetWriter(sink, SCAN_SCHEMA)
        writer.write_table(pa.Table.from_pylist(rows, schema=SCAN_SCHEMA))
        rows.clear()

    def problem(path: str, reason: str, message: str) -> None:
        res.problems[reason] += 1
        problems.append(
            {
                "dataset": src.recipe,
                "path": recipe.root.uri_of(path),
                "stage": "plan",
                "type": reason,
                "message": message,
            }
        )

    for item in recipe.scan_part(part):
        if isinstance(item, Absent):
            res.absent[item.reason] += 1
            continue
        if isinstance(item, Problem):
            problem(item.path, item.reason, item.message)
            continue
        if not isinstance(item, Recording):
            raise TypeError(f"{src.recipe}.scan_part yielded {type(item).__name__}")
        if limit is not None and res.recordings >= limit:
            break
        why = inside_root(recipe.root, item.audio)
        if why:
            problem(item.audio, "outside_root", why)
            continue
        fed = []
        for t in candidates:
            reason = t.eligible(item.meta)
            if reason:
                res.not_fed[t.minor][reason] += 1
            else:
                fed.append(t.minor)
        size, version = recipe.root.version_of(item.audio)
        row = {
            "unit": unit_id(index, part_index, k),
            "dataset": src.recipe,
            "number": int(cls.number),
            "domain": recipe.domain,
            "source": source_json,
            "recording_id": item.recording_id,
            "audio": item.audio,
            "audio_uri": recipe.root.uri_of(item.audio),
            "split": item.split,
            "meta": json.dumps(item.meta, sort_keys=True, ensure_ascii=False),
            "tasks": json.dumps(fed),
            "size": int(item.size or size),
            "version": version,
        }
        digest.update(
            json.dumps([row["recording_id"], row["audio"], row["meta"], row["tasks"], size, version]).encode()
        )
        rows.append(row)
        res.recordings += 1
        in_unit += 1
        if in_unit >= 4 * target or is_boundary(src.recipe, item.recording_id, target):
            k, in_unit = k + 1, 0
        if len(rows) >= ROW_GROUP:
            flush()
    flush()
    if writer is not None:
        writer.close()
        sink.close()
    res.units = k + (1 if in_unit else 0)
    if problems:
        res.problems_path = f"{PLAN_DIR}/problems/{name}.jsonl"
        out.write_bytes_atomic(
            res.problems_path, "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in problems).encode()
        )
        digest.update(out.read_bytes(res.problems_path))
    res.digest = digest.hexdigest()
    return res
