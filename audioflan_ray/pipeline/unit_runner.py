"""A whole work unit through the stages, into its staged output (no Ray import: the adapter wraps these).

Every operator of the graph takes one unit as one block. ``StageChain`` runs consecutive stages over a unit's rows
(e.g. decode and segment before a GPU stage); ``UnitRunner`` runs the last stages in chunks of a few recordings,
writing each instance as it is made (memory stays bounded by the chunk, not the unit) and, at the end, the unit's
marker. It returns one small row per unit, which the driver sums for progress and totals.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from audioflan_ray.config import Config
from audioflan_ray.pipeline.stages import Row, RowFn, Stage, run_rows, schema_of
from audioflan_ray.release import ReleaseWriter
from audioflan_ray.sink.pieces import UnitWriter, unit_dir
from audioflan_ray.storage import Root

log = logging.getLogger(__name__)
CHUNK_RECORDINGS = 4
RESULT_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("recordings", pa.int64()),
        ("instances", pa.int64()),
        ("audio_seconds", pa.float64()),
        ("errors", pa.int64()),
        ("error_seconds", pa.float64()),
    ]
)
_SETUP_CACHE: dict[tuple[str, str], RowFn] = {}


def setup(stage: Stage, cfg: Config) -> RowFn:
    """A stage's row function, made once per worker process and config (task workers are reused)."""
    key = (stage.name, json.dumps(cfg.to_dict(), sort_keys=True))
    fn = _SETUP_CACHE.get(key)
    if fn is None:
        fn = _SETUP_CACHE[key] = stage.setup(cfg)
    return fn


class StageChain:
    """Stages applied in turn to all rows of a block (one unit)."""

    def __init__(self, stages: list[Stage], cfg: Config, columns: list[list[str]]):
        self.chain = [(s, setup(s, cfg), c) for s, c in zip(stages, columns, strict=True)]

    def rows(self, rows: list[Row]) -> list[Row]:
        for stage, fn, out_columns in self.chain:
            rows = run_rows(stage, fn, rows, out_columns)
        return rows

    def __call__(self, batch: pa.Table) -> pa.Table:
        return pa.Table.from_pylist(self.rows(batch.to_pylist()), schema=schema_of(self.chain[-1][2]))


def by_recording(rows: list[Row], size: int) -> Iterator[list[Row]]:
    """Consecutive rows in chunks of ``size`` recordings (a recording's rows share its ``pos``, and stay together)."""
    chunk: list[Row] = []
    seen: list[int] = []
    for row in rows:
        if row["pos"] not in seen:
            if len(seen) == size:
                yield chunk
                chunk, seen = [], []
            seen.append(row["pos"])
        chunk.append(row)
    if chunk:
        yield chunk


class UnitRunner:
    """The last operator: the remaining stages over a whole unit, then its staged output and marker."""

    def __init__(
        self, stages: list[Stage], cfg: Config, columns: list[list[str]], out_uri: str, datasets: dict[str, Any]
    ):
        self.chain = StageChain(stages, cfg, columns) if stages else None
        self.cfg, self.out_uri, self.datasets = cfg, out_uri, datasets

    def __call__(self, batch: pa.Table) -> pa.Table:
        from audioflan_ray.pipeline.scan import storage_options

        rows = batch.to_pylist()
        if not rows:
            return RESULT_SCHEMA.empty_table()
        first = rows[0]
        unit = str(first["unit"])
        if any(r["unit"] != unit for r in rows):
            raise RuntimeError(f"a block holds rows of units {sorted({r['unit'] for r in rows})}: one unit per block")
        root = Root(self.out_uri, storage_options(self.cfg))
        release = ReleaseWriter(root, unit_dir(unit), self.datasets) if self.cfg.output.release_layout else None
        size = int(first["unit_size"])
        writer = UnitWriter(root, unit, str(first["fingerprint"]), size, release)
        seen: set[int] = set()
        try:
            for chunk in by_recording(rows, CHUNK_RECORDINGS):
                seen.update(int(r["pos"]) for r in chunk)
                for row in self.chain.rows(chunk) if self.chain else chunk:
                    writer.add(row)
            if len(seen) != size:
                # Ray split the unit's block: its marker would claim rows it never saw
                raise RuntimeError(f"unit {unit}: saw {len(seen)} of its {size} recordings in one block")
            res = writer.close()
        except BaseException:
            writer.abort()
            raise
        return pa.Table.from_pylist(
            [
                {
                    "unit": res.unit,
                    "recordings": res.recordings,
                    "instances": res.instances,
                    "audio_seconds": res.audio_seconds,
                    "errors": res.errors,
                    "error_seconds": res.error_seconds,
                }
            ],
            schema=RESULT_SCHEMA,
        )
