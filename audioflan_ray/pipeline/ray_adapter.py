"""The one place that knows Ray: starting or joining it, running plain tasks, and turning stages into operators.

- **Units as blocks.** ``UnitSource`` gives Ray Data one read task per unit file, so each block is one unit; every
  ``map_batches`` takes whole blocks (``batch_size=None``) and blocks are never split (``target_max_block_size`` is
  off for this graph), so the last operator sees all of a unit and can commit it.
- **Operators.** Consecutive task stages with the same resources run as ONE ``map_batches`` (Ray would fuse them
  anyway, and one chain converts Arrow to rows once). A stage configured with ``actors > 0`` gets its own fixed actor
  pool (GPU pools do not autoscale, ray#59144). The last operator writes the unit (``UnitRunner``).
- **Failures.** A unit that raises ``TransientError`` is retried ``ray.max_task_retries`` times, as is one whose
  worker died; any other exception fails the build at once.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq
import ray
from ray.data import ActorPoolStrategy, DataContext, Dataset
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from audioflan_ray.config import Config, StageConfig
from audioflan_ray.errors import TransientError
from audioflan_ray.pipeline.link import unit_path
from audioflan_ray.pipeline.stages import STAGES, Stage, check_columns
from audioflan_ray.pipeline.unit_runner import StageChain, UnitRunner
from audioflan_ray.schema import PLAN_COLUMNS, PLAN_SCHEMA
from audioflan_ray.storage import Root, StorageOptions

log = logging.getLogger(__name__)
T = TypeVar("T")


def init_ray(cfg: Config, temp_dir: str | None = None) -> bool:
    """Join the cluster named by config / RAY_ADDRESS / ``ray job submit``, or start Ray in this process.
    Returns whether this process started Ray (and must shut it down)."""
    if ray.is_initialized():
        return False
    address = cfg.ray.address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address, namespace="audioflan", log_to_driver=True)
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": True, "namespace": "audioflan"}
    if cfg.ray.num_cpus is not None:
        kwargs["num_cpus"] = cfg.ray.num_cpus
    if temp_dir:
        kwargs["_temp_dir"] = temp_dir
    ray.init(**kwargs)
    return True


def cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def remote_map(
    fn: Callable[..., T], jobs: Iterable[tuple[Any, ...]], retries: int = 3, window: int | None = None
) -> Iterator[T]:
    """``fn(*job)`` for every job as Ray tasks, results in job order (planning and packing work).

    At most ``window`` tasks are in flight (default: 4 per cluster CPU, at least 16), and a result's reference is
    dropped once it is read: Ray keeps each task's spec (for lineage) and its result while its reference lives, so
    submitting every job at once made the driver grow with the number of units."""
    options: dict[str, Any] = {"num_cpus": 1, "max_retries": retries, "retry_exceptions": [TransientError]}
    task = ray.remote(**options)(fn)
    size = window or max(16, 4 * cpus())
    todo = iter(jobs)
    pending: deque[ray.ObjectRef] = deque(task.remote(*job) for job in islice(todo, size))
    while pending:
        result = ray.get(pending.popleft())
        pending.extend(task.remote(*job) for job in islice(todo, 1))
        yield result


class RayExecutor:
    """A build's work on Ray: joins the cluster (or starts Ray here, and then shuts it down with its workers)."""

    def __init__(self, cfg: Config, temp_dir: str | None = None):
        self.cfg, self.temp_dir, self.started = cfg, temp_dir, False

    def start(self) -> None:
        self.started = init_ray(self.cfg, self.temp_dir)
        # The driver reads only small indexes, but Arrow's default allocator (mimalloc) keeps the pages it frees
        # and grows with every read; the system allocator returns them, so the driver stays flat (bench/scale.py).
        pa.set_memory_pool(pa.system_memory_pool())

    def close(self) -> None:
        if self.started:
            ray.shutdown()
            self.started = False

    def map(self, fn: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> Iterator[T]:
        return remote_map(fn, jobs, self.cfg.ray.max_task_retries)

    def units(
        self, cfg: Config, out_uri: str, units: Sequence[tuple[str, int]], datasets: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        ds = unit_graph(cfg, out_uri, units, datasets)
        for batch in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            yield from batch.to_pylist()  # type: ignore[union-attr]


# -- the graph ---------------------------------------------------------------------------------------------------------


class UnitSource(Datasource):
    """One read task, and so one block, per unit file (the driver holds unit ids, never recordings)."""

    def __init__(self, out_uri: str, options: StorageOptions, units: Sequence[tuple[str, int]]):
        self.out_uri, self.options, self.units = out_uri, options, list(units)

    def estimate_inmemory_data_size(self) -> int | None:
        return None

    def get_read_tasks(
        self, parallelism: int, per_task_row_limit: int | None = None, data_context: Any = None
    ) -> list[ReadTask]:
        out_uri, options = self.out_uri, self.options

        def make(unit: str) -> Callable[[], list[pa.Table]]:
            def read() -> list[pa.Table]:
                root = Root(out_uri, options)
                with root.open(unit_path(unit), "rb") as f:
                    return [pq.read_table(f).cast(PLAN_SCHEMA)]

            return read

        return [
            ReadTask(make(unit), BlockMetadata(num_rows=n, size_bytes=None, exec_stats=None, input_files=None))
            for unit, n in self.units
        ]


def stage_config(cfg: Config, stage: Stage) -> StageConfig:
    return cfg.ray.stages.get(stage.name) or StageConfig()


def plan_chains(stages: tuple[Stage, ...], cfg: Config) -> list[list[Stage]]:
    """Group consecutive task stages with equal resources; actor stages stand alone."""
    chains: list[list[Stage]] = []
    for stage in stages:
        sc = stage_config(cfg, stage)
        if chains and sc.actors == 0:
            prev = stage_config(cfg, chains[-1][-1])
            if prev.actors == 0 and (prev.num_cpus, prev.num_gpus) == (sc.num_cpus, sc.num_gpus):
                chains[-1].append(stage)
                continue
        chains.append([stage])
    return chains


class _ChainActor:
    def __init__(self, stages: list[Stage], cfg: Config, columns: list[list[str]]):
        self.chain = StageChain(stages, cfg, columns)

    def __call__(self, batch: pa.Table) -> pa.Table:
        return self.chain(batch)


class _RunnerActor:
    def __init__(self, *args: Any):
        self.runner = UnitRunner(*args)

    def __call__(self, batch: pa.Table) -> pa.Table:
        return self.runner(batch)


def _chain_task(batch: pa.Table, stages: list[Stage], cfg: Config, columns: list[list[str]]) -> pa.Table:
    return StageChain(stages, cfg, columns)(batch)


def _runner_task(
    batch: pa.Table, stages: list[Stage], cfg: Config, columns: list[list[str]], out_uri: str, datasets: dict[str, Any]
) -> pa.Table:
    return UnitRunner(stages, cfg, columns, out_uri, datasets)(batch)


def unit_graph(cfg: Config, out_uri: str, units: Sequence[tuple[str, int]], datasets: dict[str, Any]) -> Dataset:
    """The Ray Data graph over ``units`` ((unit id, recordings)), ending in one result row per unit."""
    ctx = DataContext.get_current()
    ctx.enable_progress_bars = False  # unreadable under `ray job submit` (ray#46826); we print our own lines
    ctx.print_on_execution_start = False
    ctx.target_max_block_size = None  # a unit is one block from read to write
    options = StorageOptions(endpoint_url=cfg.storage.endpoint_url, retries=cfg.storage.retries)
    retry = {"max_retries": cfg.ray.max_task_retries, "retry_exceptions": [TransientError]}
    # The read carries the same remote args as the task stages: Ray fuses Read -> MapBatches only when they are
    # equal, and an unfused graph moves every unit's rows through the object store twice.
    ds: Any = ray.data.read_datasource(
        UnitSource(out_uri, options, units), override_num_blocks=max(1, len(units)), ray_remote_args=dict(retry)
    )
    chains = plan_chains(STAGES, cfg)
    columns = list(PLAN_COLUMNS)
    gpu_visible = bool(ray.cluster_resources().get("GPU"))
    for n, chain in enumerate(chains):
        cols: list[list[str]] = []
        for stage in chain:
            columns = check_columns((stage,), tuple(columns))
            cols.append(columns)
        last = n == len(chains) - 1
        sc = stage_config(cfg, chain[0])
        names = "+".join(s.name for s in chain)
        num_gpus = sc.num_gpus
        if num_gpus > 0 and not gpu_visible:
            # The same config must run where there is no GPU: the stage's device falls back to the CPU too.
            log.warning("stage %s asks for num_gpus=%s but the cluster has no GPU: running it on CPUs", names, num_gpus)
            num_gpus = 0
        common: dict[str, Any] = {"batch_size": None, "batch_format": "pyarrow", "num_cpus": sc.num_cpus}
        if sc.actors > 0:
            log.info(
                "stages %s: fixed pool of %d actors (num_cpus=%s, num_gpus=%s)", names, sc.actors, sc.num_cpus, num_gpus
            )
            cls: Any = _RunnerActor if last else _ChainActor
            args = (chain, cfg, cols, out_uri, datasets) if last else (chain, cfg, cols)
            ds = ds.map_batches(
                cls,
                fn_constructor_args=args,
                compute=ActorPoolStrategy(min_size=sc.actors, max_size=sc.actors),
                num_gpus=num_gpus,
                **common,
            )
        else:
            log.info("stages %s: Ray tasks (num_cpus=%s)", names, sc.num_cpus)
            fn: Any = _runner_task if last else _chain_task
            kwargs = {"stages": chain, "cfg": cfg, "columns": cols}
            if last:
                kwargs.update(out_uri=out_uri, datasets=datasets)
            ds = ds.map_batches(fn, fn_kwargs=kwargs, **common, **retry)
    return ds
