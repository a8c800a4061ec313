"""The stages of a build as pure row functions, plus the small contract the Ray adapter needs.

A stage maps one row (a dict of column values) to zero or more rows. It declares the columns it needs, the
columns it adds and the ones it drops, so the pipeline is checked when it is built, before anything runs. A row
that fails gets an ``error`` (JSON: stage, type, message) and flows on untouched to the sink, which quarantines it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from audioflan_ray.audio import ops
from audioflan_ray.config import Config
from audioflan_ray.storage import StorageOptions, read_uri
from audioflan_ray.tasks.engine import templates

#: Every column a row may carry, with its Arrow type (one schema for every block, error rows included).
COLUMN_TYPES: dict[str, pa.DataType] = {
    "unit": pa.int64(),
    "seq": pa.int64(),
    "dataset": pa.string(),
    "domain": pa.string(),
    "source": pa.string(),  # JSON list
    "recording_id": pa.string(),
    "audio_uri": pa.string(),
    "split": pa.string(),
    "meta": pa.string(),  # JSON object
    "tasks": pa.string(),  # JSON list of candidate minor tasks
    "error": pa.string(),  # "" when the row is fine
    "data": pa.binary(),
    "samples": pa.binary(),  # float32 mono at ``sample_rate``
    "sample_rate": pa.int64(),
    "duration_s": pa.float64(),  # of the whole recording
    "seg_index": pa.int64(),
    "seg_count": pa.int64(),
    "start_s": pa.float64(),
    "end_s": pa.float64(),
    "flac": pa.binary(),
    "key": pa.string(),
    "folder": pa.string(),
    "member": pa.string(),
    "sample": pa.binary(),  # the sample's JSON
    "order": pa.int64(),  # position of the instance within its recording (segment, task)
    "task": pa.string(),
    "audio_seconds": pa.float64(),
}

PLAN_COLUMNS = (
    "unit",
    "seq",
    "dataset",
    "domain",
    "source",
    "recording_id",
    "audio_uri",
    "split",
    "meta",
    "tasks",
    "error",
)

Row = dict[str, Any]
RowFn = Callable[[Row], list[Row]]


@dataclass(frozen=True)
class Stage:
    """A named step: ``setup(cfg)`` builds the row function once per worker (heavy state lives there)."""

    name: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    drops: tuple[str, ...]
    setup: Callable[[Config], RowFn]
    stateful: bool = False  # holds state worth keeping in an actor between batches
    resources: dict[str, float] = field(default_factory=dict)


def error_json(stage: str, exc: BaseException | str, reason: str | None = None) -> str:
    if isinstance(exc, BaseException):
        return json.dumps({"stage": stage, "type": reason or type(exc).__name__, "message": str(exc)})
    return json.dumps({"stage": stage, "type": reason or "error", "message": exc})


# -- read -------------------------------------------------------------------------------------------------------


def setup_read(cfg: Config) -> RowFn:
    options = StorageOptions(endpoint_url=cfg.storage.endpoint_url)

    def read(row: Row) -> list[Row]:
        data = read_uri(row["audio_uri"], options)
        if not data:
            return [{**row, "data": b"", "error": error_json("read", "empty file", "empty_file")}]
        return [{**row, "data": data}]

    return read


# -- decode + mono + resample ---------------------------------------------------------------------------------------


def setup_decode(cfg: Config) -> RowFn:
    audio_cfg = cfg.audio

    def decode(row: Row) -> list[Row]:
        audio, rate = ops.decode(row["data"], row["audio_uri"])
        mono = ops.to_mono(audio, audio_cfg.channel)
        target = int(getattr(audio_cfg.sample_rate, row["domain"]))
        out = ops.resample(mono, rate, target, audio_cfg.resampler)
        return [{**row, "samples": out.tobytes(), "sample_rate": target, "duration_s": len(mono) / rate}]

    return decode


# -- segment --------------------------------------------------------------------------------------------------------


def setup_segment(cfg: Config) -> RowFn:
    max_s, min_s = cfg.audio.max_duration_s, cfg.audio.min_duration_s

    def segment(row: Row) -> list[Row]:
        samples = np.frombuffer(row["samples"], dtype=np.float32)
        rate = int(row["sample_rate"])
        if len(samples) < min_s * rate:
            msg = f"{len(samples) / rate:.3f} s is shorter than audio.min_duration_s={min_s}"
            return [{**row, "samples": b"", "error": error_json("segment", msg, "too_short")}]
        wins = ops.windows(len(samples), rate, max_s)
        scale = float(row["duration_s"]) / (len(samples) / rate)  # report times in the original's seconds
        return [
            {
                **row,
                "samples": samples[w.start : w.end].tobytes(),
                "seg_index": w.index,
                "seg_count": len(wins),
                "start_s": round(w.start / rate * scale, 6),
                "end_s": round(w.end / rate * scale, 6),
            }
            for w in wins
        ]

    return segment


# -- encode ---------------------------------------------------------------------------------------------------------


def setup_encode(cfg: Config) -> RowFn:
    def encode(row: Row) -> list[Row]:
        samples = np.frombuffer(row["samples"], dtype=np.float32)
        return [{**row, "flac": ops.encode_flac(samples, int(row["sample_rate"]))}]

    return encode


# -- map to task instances ------------------------------------------------------------------------------------------

_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def safe_id(raw: str) -> str:
    """A key-safe form of a corpus id; a short hash keeps two ids that differ only in unsafe characters apart."""
    cleaned = _SAFE.sub("-", raw)
    if cleaned == raw:
        return raw
    return f"{cleaned}-{hashlib.sha1(raw.encode()).hexdigest()[:6]}"


def audio_id_of(row: Row) -> str:
    base = f"{row['dataset']}_{safe_id(row['recording_id'])}"
    return base if int(row["seg_count"]) == 1 else f"{base}_w{int(row['seg_index']):03d}"


def setup_map_tasks(cfg: Config) -> RowFn:
    all_templates = templates()

    def map_tasks(row: Row) -> list[Row]:
        meta = json.loads(row["meta"])
        candidates = json.loads(row["tasks"])
        segmented = int(row["seg_count"]) > 1
        audio_id = audio_id_of(row)
        duration = float(row["end_s"]) - float(row["start_s"])
        out: list[Row] = []
        for order, minor in enumerate(candidates):
            t = all_templates[minor]
            if segmented and not t.per_segment:
                continue  # e.g. an utterance transcript does not describe half of the utterance
            key = f"{audio_id}_{t.code}"
            text = t.render(key, audio_id, meta)
            member = f"{t.audio_side}.flac"
            sample = {
                **text,
                "uuid": key,
                "split": [row["split"]],
                "task_type": {
                    "major": [t.info.major],
                    "minor": [t.minor],
                    "U/G": ["generation" if t.generation else "understanding"],
                    "unseen": False,
                },
                "domain": t.info.domain,
                "source": json.loads(row["source"]),
                "other": {
                    "dataset": row["dataset"],
                    "recording_id": row["recording_id"],
                    "start_s": float(row["start_s"]),
                    "end_s": float(row["end_s"]),
                },
                "audio": {audio_id: member},
            }
            out.append(
                {
                    **row,
                    "key": key,
                    "folder": f"{t.info.domain}/{t.code}/{row['split']}",
                    "member": member,
                    "sample": json.dumps(sample, ensure_ascii=False, sort_keys=False).encode(),
                    "order": int(row["seg_index"]) * 1000 + order,
                    "task": t.minor,
                    "audio_seconds": duration,
                }
            )
        if not out:
            msg = f"none of {candidates} holds for a window of a recording cut into {row['seg_count']}"
            return [{**row, "error": error_json("map_tasks", msg, "no_eligible_task")}]
        return out

    return map_tasks


STAGES: tuple[Stage, ...] = (
    Stage("read", ("audio_uri",), ("data",), (), setup_read),
    Stage(
        "decode", ("data", "domain"), ("samples", "sample_rate", "duration_s"), ("data",), setup_decode, stateful=True
    ),
    Stage(
        "segment",
        ("samples", "sample_rate", "duration_s"),
        ("seg_index", "seg_count", "start_s", "end_s"),
        (),
        setup_segment,
    ),
    Stage("encode", ("samples", "sample_rate"), ("flac",), ("samples",), setup_encode),
    Stage(
        "map_tasks",
        ("meta", "tasks", "seg_index", "seg_count", "start_s", "end_s", "flac"),
        ("key", "folder", "member", "sample", "order", "task", "audio_seconds"),
        ("meta", "tasks"),
        setup_map_tasks,
    ),
)
STAGE_NAMES = tuple(s.name for s in STAGES)


def check_columns(stages: tuple[Stage, ...], start: tuple[str, ...] = PLAN_COLUMNS) -> list[str]:
    """The columns after the last stage; raises when a stage needs a column nothing before it provides."""
    cols = list(start)
    for s in stages:
        missing = [c for c in s.requires if c not in cols]
        if missing:
            raise ValueError(f"stage {s.name} needs columns {missing} that no earlier stage provides")
        cols = [c for c in cols if c not in s.drops] + [c for c in s.provides if c not in cols]
    return cols


def schema_of(columns: list[str]) -> pa.Schema:
    return pa.schema([(c, COLUMN_TYPES[c]) for c in columns])


def run_rows(stage: Stage, fn: RowFn, rows: list[Row], out_columns: list[str]) -> list[Row]:
    """Apply a stage to rows: error rows pass through; an exception turns its row into an error row."""
    out: list[Row] = []
    for row in rows:
        if row.get("error"):
            produced = [row]
        else:
            try:
                produced = fn(row)
            except Exception as exc:  # quarantined with the stage name, never a crash
                reason = "decode_error" if stage.name == "decode" else None
                produced = [{**row, "error": error_json(stage.name, exc, reason)}]
        for r in produced:
            out.append({c: r.get(c, _default(c)) for c in out_columns})
    return out


def _default(column: str) -> Any:
    return "" if column == "error" else None
