"""The one place that turns stages into Ray Data operators (tasks, or a fixed actor pool; CPU or GPU).

Consecutive task stages with the same resources become ONE ``map_batches`` call that runs them in turn on the
same rows: Ray would fuse them into one operator anyway, and one chain converts Arrow to rows and back once
instead of once per stage. A stage configured with ``actors > 0`` gets its own fixed actor pool.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import pyarrow as pa
import ray
from ray.data import ActorPoolStrategy, Dataset

from audioflan_ray.config import Config, StageConfig
from audioflan_ray.pipeline.stages import RowFn, Stage, check_columns, run_rows, schema_of
from audioflan_ray.progress import report

log = logging.getLogger(__name__)
_SETUP_CACHE: dict[tuple[str, str], RowFn] = {}


def _setup(stage: Stage, cfg: Config) -> RowFn:
    # Task workers are reused between tasks: set a stage up once per worker process and config.
    key = (stage.name, json.dumps(cfg.to_dict(), sort_keys=True))
    fn = _SETUP_CACHE.get(key)
    if fn is None:
        fn = _SETUP_CACHE[key] = stage.setup(cfg)
    return fn


def _run_chain(batch: pa.Table, chain: list[tuple[Stage, RowFn, list[str]]]) -> pa.Table:
    rows = batch.to_pylist()
    for stage, fn, out_columns in chain:
        n_in = len(rows)
        rows = run_rows(stage, fn, rows, out_columns)
        if stage.name == "read":
            report({"recordings_read": n_in})
    return pa.Table.from_pylist(rows, schema=schema_of(chain[-1][2]))


def _task_fn(batch: pa.Table, stages: list[Stage], cfg: Config, columns: list[list[str]]) -> pa.Table:
    return _run_chain(batch, [(s, _setup(s, cfg), c) for s, c in zip(stages, columns, strict=True)])


class StageActor:
    """Holds a stage's state (resampler kernels, GPU context, templates) across batches."""

    def __init__(self, stages: list[Stage], cfg: Config, columns: list[list[str]]):
        self.chain = [(s, s.setup(cfg), c) for s, c in zip(stages, columns, strict=True)]

    def __call__(self, batch: pa.Table) -> pa.Table:
        return _run_chain(batch, self.chain)


def stage_config(cfg: Config, stage: Stage) -> StageConfig:
    return cfg.ray.stages.get(stage.name) or StageConfig()


def plan_chains(stages: tuple[Stage, ...], cfg: Config) -> list[list[Stage]]:
    """Group consecutive task stages with equal resources and batch size; actor stages stand alone."""
    chains: list[list[Stage]] = []
    for stage in stages:
        sc = stage_config(cfg, stage)
        if chains and sc.actors == 0:
            prev = stage_config(cfg, chains[-1][-1])
            if prev.actors == 0 and (prev.num_cpus, prev.num_gpus, prev.batch_size) == (
                sc.num_cpus,
                sc.num_gpus,
                sc.batch_size,
            ):
                chains[-1].append(stage)
                continue
        chains.append([stage])
    return chains


def apply_stages(ds: Dataset, stages: tuple[Stage, ...], cfg: Config, columns: list[str]) -> Dataset:
    for chain in plan_chains(stages, cfg):
        cols: list[list[str]] = []
        for stage in chain:
            columns = check_columns((stage,), tuple(columns))
            cols.append(columns)
        sc = stage_config(cfg, chain[0])
        names = "+".join(s.name for s in chain)
        num_gpus = sc.num_gpus
        if num_gpus > 0 and not ray.cluster_resources().get("GPU"):
            # The same config must run where there is no GPU: the stage's device falls back to the CPU too.
            log.warning("stage %s asks for num_gpus=%s but the cluster has no GPU: running it on CPUs", names, num_gpus)
            num_gpus = 0
        common: dict[str, Any] = {"batch_size": sc.batch_size, "batch_format": "pyarrow", "num_cpus": sc.num_cpus}
        if sc.actors > 0:
            log.info(
                "stage %s: fixed pool of %d actors (num_cpus=%s, num_gpus=%s, batch_size=%d)",
                names,
                sc.actors,
                sc.num_cpus,
                num_gpus,
                sc.batch_size,
            )
            # A fixed pool: GPU pools do not autoscale (ray#59144), and a fixed size keeps the job predictable.
            ds = ds.map_batches(
                StageActor,
                fn_constructor_args=(chain, cfg, cols),
                compute=ActorPoolStrategy(min_size=sc.actors, max_size=sc.actors),
                num_gpus=num_gpus,
                **common,
            )
        else:
            log.info("stages %s: Ray tasks (num_cpus=%s, batch_size=%d)", names, sc.num_cpus, sc.batch_size)
            ds = ds.map_batches(
                _task_fn,  # type: ignore[arg-type]
                fn_kwargs={"stages": chain, "cfg": cfg, "columns": cols},
                **common,
            )
    return ds


def init_ray(cfg: Config, temp_dir: str | None = None) -> None:
    """Join the cluster named by config / RAY_ADDRESS / ``ray job submit``, or start Ray in this process."""
    if ray.is_initialized():
        return
    address = cfg.ray.address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address, namespace="audioflan")
        return
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": True, "namespace": "audioflan"}
    if cfg.ray.num_cpus is not None:
        kwargs["num_cpus"] = cfg.ray.num_cpus
    if temp_dir:
        kwargs["_temp_dir"] = temp_dir
    ray.init(**kwargs)
