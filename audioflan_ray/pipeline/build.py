"""The build driver: plan, run the Ray Data graph into our sink, commit. Idempotent for the same config."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from audioflan_ray.config import Config, redacted
from audioflan_ray.errors import AudioFlanError
from audioflan_ray.pipeline.plan import Plan, build_id, make_plan
from audioflan_ray.pipeline.stages import PLAN_COLUMNS, STAGES
from audioflan_ray.release import datasets_of
from audioflan_ray.sink.commit import MANIFEST, Committer
from audioflan_ray.storage import Root, StorageOptions

log = logging.getLogger(__name__)


class OutputConflict(AudioFlanError):
    """The output already holds a completed build of another configuration."""


@dataclass
class BuildResult:
    summary: dict[str, Any]
    skipped: bool  # the output already held this exact build
    seconds: float


def _summary_of(manifest: dict[str, Any], uri: str) -> dict[str, Any]:
    totals = manifest["totals"]
    return {
        "output": uri,
        "instances": totals["instances"],
        "shards": len(manifest["shards"]),
        "audio_hours": round(totals["audio_seconds"] / 3600, 4),
        "errors": manifest.get("errors", 0),
    }


def make_committer(cfg: Config, plan: Plan) -> Committer:
    """The commit step for this config and plan (the sink's ``on_write_complete`` runs it)."""
    return Committer(
        uri=cfg.output.uri,
        options={"endpoint_url": cfg.storage.endpoint_url},
        max_bytes=cfg.output.shard_max_bytes,
        max_samples=cfg.output.shard_max_samples,
        build_id=build_id(cfg, plan),
        config=redacted(cfg),
        plan_problems=plan.problems,
        not_fed=plan.not_fed,
        recordings=plan.recordings,
        datasets=datasets_of(
            [{"recipe": s.recipe, "root": s.root, "options": s.options} for s in cfg.sources],
            StorageOptions(endpoint_url=cfg.storage.endpoint_url),
        ),
        progress_interval_s=cfg.ray.progress_interval_s,
    )


def run_build(cfg: Config, temp_dir: str | None = None) -> BuildResult:
    start = time.monotonic()
    options = StorageOptions(endpoint_url=cfg.storage.endpoint_url)
    out = Root(cfg.output.uri, options)
    log.info("planning %d source(s)", len(cfg.sources))
    plan = make_plan(cfg)
    bid = build_id(cfg, plan)
    if out.exists(MANIFEST):
        manifest = json.loads(out.read_bytes(MANIFEST))
        if not cfg.build.force:
            if manifest.get("build_id") == bid:
                log.info("%s already holds build %s; nothing to do (build.force=true rebuilds)", cfg.output.uri, bid)
                return BuildResult(_summary_of(manifest, cfg.output.uri), True, time.monotonic() - start)
            raise OutputConflict(
                f"{cfg.output.uri} holds build {manifest.get('build_id')} of another configuration "
                f"(this one is {bid}); choose another output.uri or pass --force to replace it"
            )
        out.remove(MANIFEST)  # from here on the output reads as incomplete
    # No manifest: whatever is there is an interrupted build; start clean so no stray shard survives.
    for rel in ("_staging", "_plan", "shards", "errors", "stats.json"):
        if out.isdir(rel):
            out.remove_tree(rel)
        else:
            out.remove(rel)
    import pyarrow.parquet as pq

    for unit, table in enumerate(plan.units):
        with out.open(f"_plan/unit-{unit:06d}.parquet", "wb") as f:
            pq.write_table(table, f)
    log.info(
        "plan: %d recordings in %d units, %d problems; build %s",
        plan.num_recordings - len(plan.problems),
        len(plan.units),
        len(plan.problems),
        bid,
    )
    committer = make_committer(cfg, plan)
    if not plan.units:
        committer.commit([])
    else:
        _run_ray(cfg, plan.units, committer, sum(t.num_rows for t in plan.units), temp_dir)
    assert committer.result is not None
    out.remove_tree("_plan")
    return BuildResult(committer.result, False, time.monotonic() - start)


def _run_ray(cfg: Config, plan_tables: list[Any], committer: Committer, planned: int, temp_dir: str | None) -> None:
    import ray
    from ray.data import DataContext

    from audioflan_ray.pipeline.ray_adapter import apply_stages, init_ray
    from audioflan_ray.progress import ProgressPrinter, start_counter
    from audioflan_ray.sink.datasink import WebDatasetSink

    init_ray(cfg, temp_dir)
    ctx = DataContext.get_current()
    ctx.enable_progress_bars = False  # unreadable under `ray job submit` (ray#46826); we print our own lines
    ctx.print_on_execution_start = False
    handle = start_counter(ray.get_runtime_context().namespace)
    # One block per plan unit: every unit is one task end to end (stages fused with the write), so all cores work
    # and a write task holds one unit, not the whole build. (Reading the small unit files back with read_parquet
    # would pack them into one block; from_items of their names would bundle them into one task.) The same units
    # are stored under _plan/ for the record.
    ds: Any = ray.data.from_arrow(plan_tables)
    ds = apply_stages(ds, STAGES, cfg, list(PLAN_COLUMNS))
    with ProgressPrinter(handle, planned, cfg.ray.progress_interval_s):
        ds.write_datasink(WebDatasetSink(committer))
    # write_datasink ran on_write_complete on a copy in some Ray versions; the committed manifest is the truth.
    if committer.result is None:
        root = committer.root()
        committer.result = _summary_of(json.loads(root.read_bytes(MANIFEST)), cfg.output.uri)
    ray.kill(handle)
