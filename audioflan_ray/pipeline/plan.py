"""The plan, driven from here and computed by workers: the driver holds counts and unit ids, never recordings.

1. **Scan** (``scan.py``): one task per batch of corpus parts writes ``_plan/scan/*.parquet``, rows cut into
   content-defined units.
2. **Link** (``link.py``): one task per dataset drops duplicates, chooses partners and writes one Parquet file per
   unit, ``_plan/units/<unit>.parquet``, with the unit's fingerprint.
3. The build id is a digest of the code, the output-shaping config and every unit's fingerprint and problem: the same
   corpora and config give the same id, a changed recording gives another.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from audioflan_ray import code_digest
from audioflan_ray.config import Config, shaping
from audioflan_ray.errors import RecipeError
from audioflan_ray.pipeline.link import LinkResult, link_dataset
from audioflan_ray.pipeline.scan import ScanResult, recipe_of, scan_parts, tasks_for, wanted_tasks

PARTS_PER_TASK = 32
Runner = Callable[[Callable[..., Any], Sequence[tuple[Any, ...]]], Iterable[Any]]


def shaping_digest(cfg: Config) -> str:
    """What decides a unit's bytes besides its recordings: the code and the output-shaping config."""
    return hashlib.sha256(json.dumps([code_digest(), shaping(cfg)], sort_keys=True).encode()).hexdigest()[:32]


@dataclass
class Plan:
    units: list[tuple[str, str, int]]  # (unit id, fingerprint, recordings), in plan order
    recordings: dict[str, int] = field(default_factory=dict)  # dataset -> recordings planned
    problems: Counter[str] = field(default_factory=Counter)  # reason -> recordings quarantined at plan time
    problem_files: list[str] = field(default_factory=list)
    absent: dict[str, Counter[str]] = field(default_factory=dict)  # dataset -> reason -> clips
    not_fed: dict[str, Counter[str]] = field(default_factory=dict)  # task -> reason -> recordings
    feeds: dict[str, list[str]] = field(default_factory=dict)  # dataset -> tasks it can feed in this build
    digest: str = ""

    @property
    def num_recordings(self) -> int:
        return sum(self.recordings.values())


def build_id(cfg: Config, plan: Plan) -> str:
    """Same code, corpora and output-shaping config -> same id (how the job runs is left out)."""
    return hashlib.sha256(json.dumps([shaping_digest(cfg), plan.digest]).encode()).hexdigest()[:16]


def scan_jobs(cfg: Config, out_uri: str) -> list[tuple[Any, ...]]:
    jobs: list[tuple[Any, ...]] = []
    for i, src in enumerate(cfg.sources):
        parts = list(enumerate(recipe_of(cfg, i).parts()))
        step = len(parts) if src.limit is not None else PARTS_PER_TASK  # a limit counts over the parts in order
        for k in range(0, len(parts), max(1, step)):
            jobs.append((cfg, i, parts[k : k + step], out_uri))
    return jobs


def make_plan(cfg: Config, out_uri: str, run: Runner) -> Plan:
    scans: list[ScanResult] = [r for batch in run(scan_parts, scan_jobs(cfg, out_uri)) for r in batch]
    plan = Plan(units=[])
    plan.not_fed = defaultdict(Counter)
    by_dataset: dict[str, list[str]] = {}
    per_source: Counter[int] = Counter()
    problems_at: Counter[int] = Counter()
    digest = hashlib.sha256()
    for r in sorted(scans, key=lambda r: (r.source, r.part)):
        name = cfg.sources[r.source].recipe
        if r.path:
            by_dataset.setdefault(name, []).append(r.path)
        per_source[r.source] += r.recordings
        problems_at[r.source] += sum(r.problems.values())
        plan.problems.update(r.problems)
        if r.problems_path:
            plan.problem_files.append(r.problems_path)
        if r.absent:
            plan.absent.setdefault(name, Counter()).update(r.absent)
        for task, reasons in r.not_fed.items():
            plan.not_fed[task].update(reasons)
        digest.update(r.digest.encode())
    for i, src in enumerate(cfg.sources):
        if per_source[i] == 0 and problems_at[i] == 0 and not plan.absent.get(src.recipe):
            raise RecipeError(f"source {src.recipe} at {src.root}: no recordings found (is this the corpus root?)")
        recipe = recipe_of(cfg, i)
        cls = type(recipe)
        plan.feeds[src.recipe] = sorted(
            t.minor for t in tasks_for(recipe.domain, cls.provides, wanted_tasks(cfg, i), cls.values)
        )
    noise = cfg.audio.simulate.noise
    noise_paths = by_dataset.get(noise, []) if noise else []
    sd = shaping_digest(cfg)
    jobs = [(cfg, name, paths, noise_paths, out_uri, sd) for name, paths in by_dataset.items()]
    links: list[LinkResult] = list(run(link_dataset, jobs))
    for res in links:
        plan.units.extend(res.units)
        plan.recordings[res.dataset] = plan.recordings.get(res.dataset, 0) + res.recordings
        plan.problems.update(res.problems)
        if res.problems_path:
            plan.problem_files.append(res.problems_path)
        for task, reasons in res.not_fed.items():
            plan.not_fed[task].update(reasons)
    plan.units.sort()
    for unit, fp, _ in plan.units:
        digest.update(f"{unit}:{fp}".encode())
    plan.digest = digest.hexdigest()
    plan.not_fed = dict(plan.not_fed)
    return plan
