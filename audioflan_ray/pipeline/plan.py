"""The plan: every recording of every source as one table, cut into deterministic work units.

Recipes read only the corpora's own index files. The plan decides, per recording, which tasks it can feed (the
task's required labels are present), and assigns units: a unit is a run of consecutive recordings of one source
whose instances are written together, which makes shard names and contents independent of scheduling.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from audioflan_ray import __version__
from audioflan_ray.config import Config
from audioflan_ray.errors import RecipeError
from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root, StorageOptions
from audioflan_ray.tasks.engine import Template, templates


@dataclass
class Plan:
    units: list[pa.Table]  # one table per unit, PLAN_COLUMNS
    problems: list[dict[str, Any]]  # quarantined before any audio is read
    not_fed: dict[str, dict[str, int]]  # task -> {missing field: recordings}
    recordings: dict[str, int]  # dataset -> recordings planned
    digest: str = ""
    feeds: dict[str, list[str]] = field(default_factory=dict)  # dataset -> tasks it feeds in this build

    @property
    def num_recordings(self) -> int:
        return sum(self.recordings.values())


def tasks_for(recipe_cls: Any, wanted: list[str] | None) -> list[Template]:
    """Templates a recipe can feed: same domain, every required label among those the recipe provides."""
    out = []
    for t in templates().values():
        if t.info.domain != recipe_cls.domain or not set(t.requires) <= set(recipe_cls.provides):
            continue
        if wanted is not None and t.minor not in wanted:
            continue
        out.append(t)
    return out


def make_plan(cfg: Config) -> Plan:
    recipes = registry()
    options = StorageOptions(endpoint_url=cfg.storage.endpoint_url)
    rows_by_unit: list[list[dict[str, Any]]] = []
    problems: list[dict[str, Any]] = []
    not_fed: dict[str, Counter[str]] = defaultdict(Counter)
    recordings: dict[str, int] = {}
    feeds: dict[str, list[str]] = {}
    digest = hashlib.sha256()
    seq = 0
    unit_size = cfg.ray.plan_unit_recordings
    for src in cfg.sources:
        cls = recipes[src.recipe]
        recipe = cls(Root(src.root, options), src.options)
        wanted = src.tasks if src.tasks is not None else cfg.build.tasks
        if src.tasks is not None and cfg.build.tasks is not None:
            wanted = [t for t in src.tasks if t in cfg.build.tasks]
        candidates = tasks_for(cls, wanted)
        feeds[src.recipe] = sorted(t.minor for t in candidates)
        count = 0
        current: list[dict[str, Any]] = []
        for item in recipe.scan():
            if isinstance(item, Problem):
                problems.append(
                    {
                        "dataset": src.recipe,
                        "path": recipe.root.uri_of(item.path),
                        "stage": "plan",
                        "type": item.reason,
                        "message": item.message,
                    }
                )
                continue
            assert isinstance(item, Recording)
            if src.limit is not None and count >= src.limit:
                break
            count += 1
            fed = []
            for t in candidates:
                missing = [f for f in t.requires if item.meta.get(f) in (None, "")]
                if missing:
                    not_fed[t.minor][",".join(missing)] += 1
                else:
                    fed.append(t.minor)
            uri = recipe.root.uri_of(item.audio)
            if not fed:
                problems.append(
                    {
                        "dataset": src.recipe,
                        "path": uri,
                        "stage": "plan",
                        "type": "no_eligible_task",
                        "message": f"{item.recording_id}: lacks the labels of every selected task",
                    }
                )
                continue
            row = {
                "seq": seq,
                "dataset": src.recipe,
                "domain": cls.domain,
                "source": json.dumps(cls.source),
                "recording_id": item.recording_id,
                "audio_uri": uri,
                "split": item.split,
                "meta": json.dumps(item.meta, sort_keys=True, ensure_ascii=False),
                "tasks": json.dumps(fed),
                "error": "",
            }
            digest.update(json.dumps([row, item.size], sort_keys=True).encode())
            seq += 1
            current.append(row)
            if len(current) >= unit_size:
                rows_by_unit.append(current)
                current = []
        if current:
            rows_by_unit.append(current)
        if count == 0 and not any(p["dataset"] == src.recipe for p in problems):
            raise RecipeError(f"source {src.recipe} at {src.root}: no recordings found (is this the corpus root?)")
        recordings[src.recipe] = recordings.get(src.recipe, 0) + count
    from audioflan_ray.pipeline.stages import PLAN_COLUMNS, schema_of

    schema = schema_of(list(PLAN_COLUMNS))
    units = []
    for unit, rows in enumerate(rows_by_unit):
        for r in rows:
            r["unit"] = unit
        units.append(pa.Table.from_pylist(rows, schema=schema))
    return Plan(
        units=units,
        problems=problems,
        not_fed={t: dict(c) for t, c in sorted(not_fed.items())},
        recordings=recordings,
        digest=digest.hexdigest(),
        feeds=feeds,
    )


def build_id(cfg: Config, plan: Plan) -> str:
    """Same corpora + same output-shaping config -> same id (how the job runs, e.g. Ray sizing, is left out)."""
    shaping = cfg.to_dict()
    shaping["unit_recordings"] = shaping.pop("ray")["plan_unit_recordings"]
    shaping["build"].pop("force")
    shaping.pop("storage")
    shaping["output"].pop("uri")
    blob = json.dumps([__version__, shaping, plan.digest], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
