"""Where a build's work runs: on Ray (every real build), or in this process (tests of the pipeline's logic).

Both give the same output: the work functions are the same pure functions; only the scheduling differs. The driver
talks to an ``Executor``: ``map`` runs plain jobs (scanning, linking, packing) and yields their results in order;
``units`` runs the stages over work units and yields one result row per unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from audioflan_ray.config import Config

T = TypeVar("T")


class Executor(Protocol):
    def start(self) -> None: ...

    def close(self) -> None: ...

    def map(self, fn: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> Iterator[T]: ...

    def units(
        self, cfg: Config, out_uri: str, units: Sequence[tuple[str, int]], datasets: dict[str, Any]
    ) -> Iterator[dict[str, Any]]: ...


class LocalExecutor:
    """Everything in this process, one job after another: no Ray, for tests and debugging."""

    def start(self) -> None:
        return None

    def close(self) -> None:
        return None

    def map(self, fn: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> Iterator[T]:
        for job in jobs:
            yield fn(*job)

    def units(
        self, cfg: Config, out_uri: str, units: Sequence[tuple[str, int]], datasets: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        import pyarrow.parquet as pq

        from audioflan_ray.pipeline.link import unit_path
        from audioflan_ray.pipeline.scan import storage_options
        from audioflan_ray.pipeline.stages import STAGES, check_columns
        from audioflan_ray.pipeline.unit_runner import UnitRunner
        from audioflan_ray.schema import PLAN_COLUMNS, PLAN_SCHEMA
        from audioflan_ray.storage import Root

        columns, cols = list(PLAN_COLUMNS), []
        for stage in STAGES:
            columns = check_columns((stage,), tuple(columns))
            cols.append(columns)
        runner = UnitRunner(list(STAGES), cfg, cols, out_uri, datasets)
        root = Root(out_uri, storage_options(cfg))
        for unit, _ in units:
            with root.open(unit_path(unit), "rb") as f:
                table = pq.read_table(f).cast(PLAN_SCHEMA)
            yield from runner(table).to_pylist()
