"""The build driver: claim the output, plan, run the units, pack, commit. Resumable, incremental, idempotent.

Steps (each timed; the driver holds counts and unit ids, never recordings):

1. **Claim** the output: refuse one that holds files no build of ours wrote; take the lock; write the marker.
2. **Plan** on workers (``plan.py``). The same corpora and config give the same build id: a completed output with
   that id is left as it is; one of another id is replaced only with ``--force`` (and only its own files).
3. **Units**: a unit with a marker of the same fingerprint is done (a resumed build skips it); one whose fingerprint
   an earlier build (``build.reuse_from``) holds is adopted from it; the rest run through the Ray Data graph.
4. **Pack** the pieces into full shards and release files (``sink/pack.py``).
5. **Commit**: errors, ``stats.json``, ``shards.parquet``, ``units.parquet``, the dataset card, Energon metadata,
   stale files of the replaced build removed, and ``manifest.json`` last.

A build that fails or is interrupted leaves no manifest and keeps every completed unit: the same command resumes.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from audioflan_ray.config import Config, redacted
from audioflan_ray.errors import AudioFlanError, OutputRefused
from audioflan_ray.output import Lock, inspect, new_run_id, refuse_foreign, write_marker
from audioflan_ray.pipeline.executor import Executor
from audioflan_ray.pipeline.plan import Plan, build_id, make_plan
from audioflan_ray.pipeline.scan import storage_options
from audioflan_ray.progress import Phases, Progress, emit
from audioflan_ray.release import datasets_of
from audioflan_ray.schema import (
    ERRORS_DIR,
    MANIFEST,
    PLAN_DIR,
    SHARD_INDEX,
    SHARD_INDEX_SCHEMA,
    STAGING,
)
from audioflan_ray.sink import pack
from audioflan_ray.sink.commit import make_stats, summary_of, write_manifest
from audioflan_ray.sink.pieces import read_marker
from audioflan_ray.storage import Root, Span, StorageOptions, concat

log = logging.getLogger(__name__)
RELEASE_INDEX = "release.parquet"
RELEASE_SCHEMA = pa.schema([("path", pa.string()), ("kind", pa.string())])
UNITS_PER_TASK = 256
OUTPUTS_PER_TASK = 8
ERRORS_MAX_BYTES = 64 << 20


class ErrorRateExceeded(AudioFlanError):
    """More of the build was quarantined than ``build.max_error_fraction`` allows."""


@dataclass
class BuildResult:
    summary: dict[str, Any]
    skipped: bool  # the output already held this exact build
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    units_reused: int = 0  # completed by an earlier run of this build (resume)
    units_adopted: int = 0  # copied from build.reuse_from (incremental)
    units_built: int = 0


def run_build(cfg: Config, temp_dir: str | None = None, executor: Executor | None = None) -> BuildResult:
    """Build ``cfg`` (see the module docstring). ``executor``: where the work runs (Ray unless given)."""
    if executor is None:
        from audioflan_ray.pipeline.ray_adapter import RayExecutor

        executor = RayExecutor(cfg, temp_dir)
    start = time.monotonic()
    options = storage_options(cfg)
    out = Root(cfg.output.uri, options)
    refuse_foreign(out, inspect(out))
    run_id = new_run_id()
    lock = Lock(out, run_id).acquire(cfg.build.lock_stale_s, cfg.build.take_over_lock)
    try:
        state = inspect(out)
        refuse_foreign(out, state)  # re-read under the lock
        if state.marker is None:
            write_marker(out, "", run_id)  # ours from the first byte on
        phases = Phases()
        executor.start()
        from audioflan_ray.signals import install as install_signals

        install_signals()  # after ray.init: our handlers, not Ray's, decide how the driver ends
        with phases("plan"):
            plan = make_plan(cfg, out.uri, executor.map)
        bid = build_id(cfg, plan)
        emit(
            f"[plan] {plan.num_recordings} recordings in {len(plan.units)} units from {len(cfg.sources)} source(s), "
            f"{sum(plan.problems.values())} quarantined at plan time; build {bid}"
        )
        manifest = state.manifest
        if manifest is not None:
            if manifest.get("build_id") == bid and not cfg.build.force:
                emit(f"{cfg.output.uri} already holds build {bid}; nothing to do (build.force=true rebuilds it)")
                out.remove_tree(PLAN_DIR)
                return BuildResult(summary_of(manifest, cfg.output.uri), True, time.monotonic() - start)
            if not cfg.build.force:
                raise OutputRefused(
                    f"{cfg.output.uri} holds build {manifest.get('build_id')} of another configuration or corpus "
                    f"(this one is {bid}); choose another output.uri, or pass --force to replace it (only the files "
                    "that build wrote are removed)"
                )
            _keep_previous_index(out, manifest)
            out.remove(MANIFEST)  # from here on the output reads as incomplete
        write_marker(out, bid, run_id)
        datasets = datasets_of([s.__dict__ for s in cfg.sources], options)
        result = BuildResult({}, False, 0.0, phases=phases.seconds)
        with phases("units"):
            todo = _settle_units(executor, cfg, out, plan, datasets, result)
        with phases("audio"):
            _run_units(executor, cfg, out, todo, datasets)
        with phases("pack"):
            packed = _pack(executor, cfg, out, plan, run_id)
        with phases("commit"):
            manifest = _commit(executor, cfg, out, plan, bid, run_id, packed, phases)
        result.summary = summary_of(manifest, cfg.output.uri)
        result.seconds = time.monotonic() - start
        emit(phases.line())
        return result
    finally:
        lock.release()
        executor.close()


def _keep_previous_index(out: Root, manifest: dict[str, Any] | None) -> None:
    """Keep a copy of the completed build's indexes: after a replacement, exactly its files are removed."""
    if manifest is None:
        return
    for name in (SHARD_INDEX, RELEASE_INDEX):
        kept = f"{STAGING}/previous/{name}"
        if out.exists(name) and not out.exists(kept):
            out.write_bytes_atomic(kept, out.read_bytes(name))
    errors = manifest.get("error_files") or []
    if errors and not out.exists(f"{STAGING}/previous/errors.json"):
        out.write_bytes_atomic(f"{STAGING}/previous/errors.json", json.dumps(errors).encode())


# -- units ------------------------------------------------------------------------------------------------------


def _done_units(out_uri: str, options: StorageOptions, units: list[tuple[str, str]]) -> list[str]:
    root = Root(out_uri, options)
    done = []
    for unit, fp in units:
        marker = read_marker(root, unit)
        if marker is not None and marker.get("fingerprint") == fp:
            done.append(unit)
    return done


def _batches(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[k : k + size]) for k in range(0, len(items), size)]


def _settle_units(
    executor: Executor, cfg: Config, out: Root, plan: Plan, datasets: dict[str, Any], result: BuildResult
) -> list[tuple[str, int]]:
    """Which units still need their audio processed: not done by an earlier run, not adopted from reuse_from."""
    from audioflan_ray.sink.reuse import adopt, reusable

    options = storage_options(cfg)
    pairs = [(u, fp) for u, fp, _ in plan.units]
    done = {
        u
        for batch in executor.map(_done_units, [(out.uri, options, b) for b in _batches(pairs, UNITS_PER_TASK)])
        for u in batch
    }
    result.units_reused = len(done)
    left = [(u, fp) for u, fp in pairs if u not in done]
    if cfg.build.reuse_from and left:
        have = reusable(cfg.build.reuse_from, options, [fp for _, fp in left])
        candidates = [(u, fp) for u, fp in left if fp in have]
        jobs = [
            (out.uri, cfg.build.reuse_from, options, b, cfg.output.release_layout, datasets)
            for b in _batches(candidates, UNITS_PER_TASK)
        ]
        result.units_adopted = sum(executor.map(adopt, jobs))
        adopted = set(
            u
            for batch in executor.map(
                _done_units, [(out.uri, options, b) for b in _batches(candidates, UNITS_PER_TASK)]
            )
            for u in batch
        )
        left = [(u, fp) for u, fp in left if u not in adopted]
    sizes = {u: n for u, _, n in plan.units}
    todo = [(u, sizes[u]) for u, _ in left]
    result.units_built = len(todo)
    emit(
        f"[units] {len(plan.units)} planned: {result.units_reused} already complete (resumed), "
        f"{result.units_adopted} reused from {cfg.build.reuse_from or '-'}, {len(todo)} to build"
    )
    return todo


def _run_units(
    executor: Executor, cfg: Config, out: Root, todo: list[tuple[str, int]], datasets: dict[str, Any]
) -> None:
    if not todo:
        return
    totals = {"units": len(todo), "recordings": sum(n for _, n in todo)}
    with Progress(totals, cfg.ray.progress_interval_s) as progress:
        for row in executor.units(cfg, out.uri, todo, datasets):
            progress.add(row)


# -- pack ------------------------------------------------------------------------------------------------------


@dataclass
class Packed:
    shards: list[dict[str, Any]]
    folders: dict[str, dict[str, Any]]  # shard folder -> summed piece summaries
    files: list[str]  # release files
    unit_parts: list[str]  # unit index parts
    errors: dict[str, list[float]]
    error_files: list[str]
    not_fed: dict[str, Counter[str]]
    recordings: int
    quarantined: int


def _pack(executor: Executor, cfg: Config, out: Root, plan: Plan, run_id: str) -> Packed:
    options = storage_options(cfg)
    order = [(k, u, fp) for k, (u, fp, _) in enumerate(plan.units)]
    batches = _batches(order, UNITS_PER_TASK)
    gathered = list(
        executor.map(pack.gather, [(out.uri, options, run_id, b, batch) for b, batch in enumerate(batches)])
    )
    missing = [u for g in gathered for u in g.missing]
    if missing:
        raise RuntimeError(f"{len(missing)} units have no marker after the graph finished (e.g. {missing[0]})")
    errors: dict[str, list[float]] = {}
    not_fed: dict[str, Counter[str]] = defaultdict(Counter)
    targets: Counter[str] = Counter()
    for g in gathered:
        for reason, (n, secs) in g.errors.items():
            acc = errors.setdefault(reason, [0, 0.0])
            acc[0] += n
            acc[1] += secs
        for task, reasons in g.not_fed.items():
            not_fed[task].update(reasons)
        targets.update(g.targets)
    quarantined = sum(int(v[0]) for v in errors.values()) + sum(plan.problems.values())
    planned = plan.num_recordings + sum(plan.problems.values())
    if planned and quarantined / planned > cfg.build.max_error_fraction:
        raise ErrorRateExceeded(
            f"{quarantined} of {planned} recordings were quarantined ({100 * quarantined / planned:.1f} % > "
            f"build.max_error_fraction={cfg.build.max_error_fraction}); nothing was committed. Reasons: "
            f"{dict(sorted({**{k: int(v[0]) for k, v in errors.items()}, **plan.problems}.items()))}. "
            "Check the corpus and the config, or raise build.max_error_fraction; the staged work is kept."
        )
    kinds = [tuple(t.split("\t", 1)) for t in sorted(targets)]
    if not cfg.output.release_layout:
        kinds = [k for k in kinds if k[0] == "shard"]
    counts = list(
        executor.map(
            pack.plan_target,
            [
                (
                    out.uri,
                    options,
                    run_id,
                    len(batches),
                    kind,
                    target,
                    cfg.output.shard_max_bytes,
                    cfg.output.shard_max_samples,
                )
                for kind, target in kinds
            ],
        )
    )
    jobs = []
    for (kind, target), n in zip(kinds, counts, strict=True):
        for first in range(0, n, OUTPUTS_PER_TASK):
            jobs.append(
                (out.uri, cfg.build.reuse_from, options, run_id, kind, target, first, min(n, first + OUTPUTS_PER_TASK))
            )
    shards: list[dict[str, Any]] = []
    folders: dict[str, dict[str, Any]] = {}
    files: list[str] = []
    unit_parts = [f"{pack.pack_dir(run_id)}/units/records-{b:06d}.parquet" for b in range(len(batches))]
    for job, res in zip(jobs, executor.map(pack.write_outputs, jobs), strict=True):
        shards.extend(res.shards)
        files.extend(res.files)
        if res.units_path:
            unit_parts.append(res.units_path)
        if job[4] == "shard":
            pack._add_summary(folders.setdefault(job[5], {}), res.summary)
    return Packed(
        shards=sorted(shards, key=lambda s: s["path"]),
        folders=folders,
        files=sorted(files),
        unit_parts=unit_parts,
        errors=errors,
        error_files=[f for g in gathered for f in g.error_files],
        not_fed=not_fed,
        recordings=sum(g.recordings for g in gathered),
        quarantined=quarantined,
    )


# -- commit ------------------------------------------------------------------------------------------------------


def _write_errors(out: Root, plan: Plan, packed: Packed) -> list[str]:
    """The quarantine: the plan's problems and every unit's errors, concatenated into ``errors/*.jsonl``."""
    written: list[str] = []
    for name, paths in (("plan", plan.problem_files), ("errors", packed.error_files)):
        spans = [Span(out, p, 0, out.version_of(p)[0]) for p in paths]
        batch: list[Span] = []
        size, files = 0, 0
        for sp in [*spans, None]:
            if sp is None or (batch and size + sp.length > ERRORS_MAX_BYTES):
                if batch:
                    rel = f"{ERRORS_DIR}/{name}-{files:06d}.jsonl"
                    concat(out, rel, batch)
                    written.append(rel)
                    files += 1
                batch, size = [], 0
            if sp is not None:
                batch.append(sp)
                size += sp.length
    return written


def _stale(out: Root, new: set[str], index: str, run_id: str) -> list[str]:
    """Files an earlier build of ours (or an interrupted run's packing) wrote that this build did not."""
    old: set[str] = set()
    for rel in (f"{STAGING}/previous/{index}", index):
        if out.exists(rel):
            with out.open(rel, "rb") as f:
                old.update(pq.read_table(f, columns=["path"]).column("path").to_pylist())
    if index == SHARD_INDEX and out.isdir(f"{STAGING}/pack"):
        for rel in out.find(f"{STAGING}/pack", ".parquet"):
            if "/specs/shard-" in rel and not rel.startswith(pack.pack_dir(run_id)):
                with out.open(rel, "rb") as f:
                    spec = pq.read_table(f)
                target = rel.rsplit("/specs/shard-", 1)[1].removesuffix(".parquet").replace("__", "/")
                old.update(pack.output_name("shard", target, int(k)) for k in set(spec.column("output").to_pylist()))
    return sorted(old - new)


def _stale_audio(out: Root, new_scp: set[str]) -> list[str]:
    """Audio files the replaced build listed in its scp files that no scp file of this build lists."""
    kept = f"{STAGING}/previous/{RELEASE_INDEX}"
    if not out.exists(kept):
        return []
    with out.open(kept, "rb") as f:
        old_files = pq.read_table(f).to_pylist()
    old_audio: set[str] = set()
    for r in old_files:
        if r["kind"] == "scp" and r["path"] not in new_scp and out.exists(r["path"]):
            old_audio.update(line.split(" ", 1)[1] for line in out.read_text(r["path"]).splitlines() if " " in line)
    if not old_audio:
        return []
    new_audio: set[str] = set()
    for rel in new_scp:
        new_audio.update(line.split(" ", 1)[1] for line in out.read_text(rel).splitlines() if " " in line)
    return sorted(old_audio - new_audio)


def _commit(
    executor: Executor, cfg: Config, out: Root, plan: Plan, bid: str, run_id: str, packed: Packed, phases: Phases
) -> dict[str, Any]:
    error_files = _write_errors(out, plan, packed)
    pq_rows = pa.Table.from_pylist(packed.shards, schema=SHARD_INDEX_SCHEMA)
    stale_shards = _stale(out, set(pq_rows.column("path").to_pylist()), SHARD_INDEX, run_id)
    stale_release = _stale(out, set(packed.files), RELEASE_INDEX, run_id)
    new_scp = {f for f in packed.files if f.startswith("scp_files/")}
    stale_audio = _stale_audio(out, new_scp)
    with out.open(SHARD_INDEX + ".tmp", "wb") as f:
        pq.write_table(pq_rows, f)
    out.move(SHARD_INDEX + ".tmp", SHARD_INDEX)
    # merged by a worker: the unit index grows with the build, and the driver's memory must not
    list(executor.map(pack.merge_unit_index, [(out.uri, storage_options(cfg), packed.unit_parts)]))
    release_rows = [{"path": p, "kind": "scp" if p.startswith("scp_files/") else "jsonl"} for p in packed.files]
    if cfg.output.release_layout:
        with out.open(RELEASE_INDEX + ".tmp", "wb") as f:
            pq.write_table(pa.Table.from_pylist(release_rows, schema=RELEASE_SCHEMA), f)
        out.move(RELEASE_INDEX + ".tmp", RELEASE_INDEX)
    not_fed: dict[str, Counter[str]] = defaultdict(Counter)
    for source in (plan.not_fed, packed.not_fed):
        for task, reasons in source.items():
            not_fed[task].update(reasons)
    for dataset, reasons in plan.absent.items():
        for reason, n in reasons.items():
            not_fed["(every task)"][f"{reason} ({dataset})"] += n
    errors = {k: list(v) for k, v in packed.errors.items()}
    for reason, n in plan.problems.items():
        acc = errors.setdefault(reason, [0, 0.0])
        acc[0] += n
    stats = make_stats(packed.folders, len(packed.shards), errors, not_fed, plan.recordings)
    previous_errors: list[str] = []
    if out.exists(f"{STAGING}/previous/errors.json"):
        previous_errors = json.loads(out.read_bytes(f"{STAGING}/previous/errors.json"))
    for rel in [*stale_shards, *stale_release, *stale_audio, *(p for p in previous_errors if p not in error_files)]:
        out.remove(rel)
    if not cfg.output.release_layout and out.exists(RELEASE_INDEX):
        out.remove(RELEASE_INDEX)
    from audioflan_ray.ecosystem import write_extras

    extras = write_extras(out, cfg, packed.shards, stats)
    manifest = write_manifest(
        out,
        build_id=bid,
        config=redacted(cfg),
        stats=stats,
        num_shards=len(packed.shards),
        extra={
            "release_index": RELEASE_INDEX if cfg.output.release_layout else None,
            "error_files": error_files,
            "plan_digest": plan.digest,
            "units": len(plan.units),
            "phases": phases.seconds,
            **extras,
        },
    )
    out.remove_tree(STAGING)
    out.remove_tree(PLAN_DIR)
    return manifest


def run_export(uri: str, options: StorageOptions, cfg: Config, executor: Executor | None = None) -> dict[str, Any]:
    """Rewrite the release layout of a completed build from its shards (``audioflan-ray export``): the same packer as
    a build, over batches of shards instead of units; files of the layout no longer written are removed, and the
    manifest records the layout."""
    from audioflan_ray.release import export_shards

    if executor is None:
        from audioflan_ray.pipeline.ray_adapter import RayExecutor

        executor = RayExecutor(cfg)

    out = Root(uri, options)
    manifest = json.loads(out.read_bytes(MANIFEST))
    run_id = new_run_id()
    lock = Lock(out, run_id).acquire(cfg.build.lock_stale_s, cfg.build.take_over_lock)
    try:
        executor.start()  # inside the try: a Ray that fails to start still releases the lock
        with out.open(str(manifest.get("shard_index") or SHARD_INDEX), "rb") as f:
            shards = pq.read_table(f, columns=["path"]).column("path").to_pylist()
        datasets = datasets_of(manifest["config"].get("sources") or [], options)
        batches = _batches(sorted(shards), 16)
        staging = [f"{STAGING}/export/{k:06d}" for k in range(len(batches))]
        jobs_in = [(uri, options, st, b, datasets) for st, b in zip(staging, batches, strict=True)]
        parts = list(executor.map(export_shards, jobs_in))
        rows = [
            {
                "kind": kind,
                "target": target,
                "order": k,
                "unit": f"export-{k:06d}",
                "fingerprint": "",
                "src": "out",
                "path": part["path"],
                "offset": 0,
                "length": int(part["bytes"]),
                "samples": int(part["lines"]),
                "offsets": [],
                "summary": "{}",
            }
            for k, written in enumerate(parts)
            for kind in ("jsonl", "scp")
            for target, part in sorted(written[kind].items())
        ]
        with out.open(f"{pack.pack_dir(run_id)}/gather-000000.parquet", "wb") as f:
            pq.write_table(pa.Table.from_pylist(rows, schema=pack.GATHER_SCHEMA), f)
        targets = sorted({(r["kind"], r["target"]) for r in rows})
        counts = list(executor.map(pack.plan_target, [(uri, options, run_id, 1, k, t, 0, 0) for k, t in targets]))
        jobs = [
            (uri, None, options, run_id, kind, target, first, min(n, first + OUTPUTS_PER_TASK))
            for (kind, target), n in zip(targets, counts, strict=True)
            for first in range(0, n, OUTPUTS_PER_TASK)
        ]
        files = sorted(f for res in executor.map(pack.write_outputs, jobs) for f in res.files)
        _keep_previous_index(out, manifest)
        stale = _stale(out, set(files), RELEASE_INDEX, run_id)
        new_scp = {f for f in files if f.startswith("scp_files/")}
        for rel in [*stale, *_stale_audio(out, new_scp)]:
            out.remove(rel)
        release_rows = [{"path": p, "kind": "scp" if p.startswith("scp_files/") else "jsonl"} for p in files]
        with out.open(RELEASE_INDEX + ".tmp", "wb") as f:
            pq.write_table(pa.Table.from_pylist(release_rows, schema=RELEASE_SCHEMA), f)
        out.move(RELEASE_INDEX + ".tmp", RELEASE_INDEX)
        manifest["release_index"] = RELEASE_INDEX
        out.write_bytes_atomic(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        out.remove_tree(STAGING)
        return {"jsonl_files": sum(1 for f in files if f.endswith(".jsonl")), "scp_files": len(new_scp)}
    finally:
        lock.release()
        executor.close()
