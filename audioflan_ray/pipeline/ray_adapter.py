"""The one place that turns stages into Ray Data operators (tasks, or a fixed actor pool; CPU or GPU)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pyarrow as pa
import ray
from ray.data import ActorPoolStrategy, Dataset

from audioflan_ray.config import Config, StageConfig
from audioflan_ray.pipeline.stages import RowFn, Stage, run_rows, schema_of
from audioflan_ray.progress import report

log = logging.getLogger(__name__)
_SETUP_CACHE: dict[tuple[str, int], RowFn] = {}


def _apply(stage: Stage, fn: RowFn, batch: pa.Table, out_columns: list[str]) -> pa.Table:
    rows = batch.to_pylist()
    out = run_rows(stage, fn, rows, out_columns)
    if stage.name == "read":
        report({"recordings_read": len(rows)})
    return pa.Table.from_pylist(out, schema=schema_of(out_columns))


def _task_fn(batch: pa.Table, stage: Stage, cfg: Config, out_columns: list[str]) -> pa.Table:
    # Task workers are reused between tasks: set a stage up once per worker process.
    key = (stage.name, hash(json.dumps(cfg.to_dict(), sort_keys=True)))
    fn = _SETUP_CACHE.get(key)
    if fn is None:
        fn = _SETUP_CACHE[key] = stage.setup(cfg)
    return _apply(stage, fn, batch, out_columns)


class StageActor:
    """Holds a stage's state (resampler kernels, GPU context, templates) across batches."""

    def __init__(self, stage: Stage, cfg: Config, out_columns: list[str]):
        self.stage = stage
        self.out_columns = out_columns
        self.fn = stage.setup(cfg)

    def __call__(self, batch: pa.Table) -> pa.Table:
        return _apply(self.stage, self.fn, batch, self.out_columns)


def stage_config(cfg: Config, stage: Stage) -> StageConfig:
    return cfg.ray.stages.get(stage.name) or StageConfig()


def apply_stage(ds: Dataset, stage: Stage, cfg: Config, out_columns: list[str]) -> Dataset:
    sc = stage_config(cfg, stage)
    common: dict[str, Any] = {"batch_size": sc.batch_size, "batch_format": "pyarrow", "num_cpus": sc.num_cpus}
    if sc.actors > 0:
        log.info(
            "stage %s: fixed pool of %d actors (num_cpus=%s, num_gpus=%s, batch_size=%d)",
            stage.name,
            sc.actors,
            sc.num_cpus,
            sc.num_gpus,
            sc.batch_size,
        )
        # A fixed pool: GPU pools do not autoscale (ray#59144), and a fixed size keeps the job predictable.
        return ds.map_batches(
            StageActor,
            fn_constructor_args=(stage, cfg, out_columns),
            compute=ActorPoolStrategy(min_size=sc.actors, max_size=sc.actors),
            num_gpus=sc.num_gpus,
            **common,
        )
    return ds.map_batches(
        _task_fn,  # type: ignore[arg-type]
        fn_kwargs={"stage": stage, "cfg": cfg, "out_columns": out_columns},
        **common,
    )


def init_ray(cfg: Config, temp_dir: str | None = None) -> None:
    """Join the cluster named by config / RAY_ADDRESS / ``ray job submit``, or start Ray in this process."""
    if ray.is_initialized():
        return
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": True, "namespace": "audioflan"}
    import os

    address = cfg.ray.address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address, namespace="audioflan")
        return
    if cfg.ray.num_cpus is not None:
        kwargs["num_cpus"] = cfg.ray.num_cpus
    if temp_dir:
        kwargs["_temp_dir"] = temp_dir
    ray.init(**kwargs)
