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
from audioflan_ray.tasks.engine import PartnerSpec, Template, templates


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


def cannot_feed(
    t: Template, domain: str, provides: frozenset[str] | set[str], values: dict[str, frozenset[str]] | None = None
) -> str | None:
    """Why a recipe (its domain, the fields it provides, the vocabularies it knows) can never feed ``t``."""
    values = values or {}
    if domain not in t.feeds_from:
        return f"domain {domain} not in {list(t.feeds_from)}"
    need = set(t.requires) | {f for p in t.partners for f in p.fields()}
    missing = sorted(need - set(provides))
    if missing:
        return f"lacks {', '.join(missing)}"
    for f, allowed in t.accepts.items():
        if f in values and not values[f] & set(allowed):
            return f"has no {f} in {list(allowed)}"
    for p in t.partners:
        for f, mode in p.match:
            if mode != "same" and p.pool == "same" and len(values.get(f, frozenset({"a", "b"}))) < 2:
                return f"has one {f} only, no {p.role} with another"
    return None


def tasks_for(
    domain: str,
    provides: frozenset[str] | set[str],
    wanted: list[str] | None,
    values: dict[str, frozenset[str]] | None = None,
) -> list[Template]:
    """Templates a recipe can feed: its domain among the task's ``feeds_from``, every needed label provided."""
    return [
        t
        for t in templates().values()
        if (wanted is None or t.minor in wanted) and cannot_feed(t, domain, provides, values) is None
    ]


def _hash(*parts: Any) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


class _Linker:
    """Chooses partners (and answer options) for the tasks over two or more recordings, deterministically.

    Partners come from the same dataset and split (never across splits); the noise pool is the dataset named by
    ``audio.simulate.noise``, same split. A ``balanced`` match alternates same / different over the recordings
    that can have both, so each split holds as many of one as of the other.
    """

    PROBES = 32

    def __init__(self, rows: list[dict[str, Any]], metas: list[dict[str, Any]], noise: str | None):
        self.rows, self.metas, self.noise = rows, metas, noise
        # Pools are per (dataset, domain, split): two sources of the generic manifest recipe share a dataset name
        # but not a domain, and a speech clip is no partner for a music comparison.
        self.pools: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        self.domain_of: dict[str, str] = {}
        for i, r in enumerate(rows):
            self.pools[(r["dataset"], r["domain"], r["split"])].append(i)
            self.domain_of.setdefault(r["dataset"], r["domain"])
        self._groups: dict[tuple[Any, ...], dict[tuple[str, ...], list[int]]] = {}
        self._vocab: dict[tuple[str, str, str], list[str]] = {}
        self._balance: Counter[tuple[str, ...]] = Counter()

    def _group(self, pool: tuple[str, str, str], fields: tuple[str, ...], need: tuple[str, ...]) -> dict:
        key = (*pool, fields, need)
        if key not in self._groups:
            g: dict[tuple[str, ...], list[int]] = defaultdict(list)
            for i in self.pools.get(pool, []):
                m = self.metas[i]
                if all(m.get(f) not in (None, "") for f in need):
                    g[tuple(str(m.get(f)) for f in fields)].append(i)
            self._groups[key] = g
        return self._groups[key]

    def _pool(self, i: int, spec: PartnerSpec) -> tuple[str, str, str]:
        r = self.rows[i]
        if spec.pool == "same":
            return (r["dataset"], r["domain"], r["split"])
        return (str(self.noise), self.domain_of.get(str(self.noise), ""), r["split"])

    def _pick(self, i: int, spec: PartnerSpec, same: list[str], diff: list[str], taken: set[int], salt: str) -> int:
        """A partner index for row ``i`` (-1 when none exists), by hashed probes then a scan from a hashed start."""
        r, m = self.rows[i], self.metas[i]
        if any(m.get(f) in (None, "") for f in same + diff):
            return -1
        group = self._group(self._pool(i, spec), tuple(same), spec.fields()).get(tuple(str(m.get(f)) for f in same), [])
        if not group:
            return -1

        # "different" also keeps apart from the partners chosen before (a sequence of three distinct events).
        avoid = {f: {str(self.metas[k].get(f)) for k in taken | {i}} for f in diff}

        def ok(j: int) -> bool:
            return j != i and j not in taken and all(str(self.metas[j].get(f)) not in avoid[f] for f in diff)

        n = len(group)
        for k in range(min(self.PROBES, n)):
            j = group[_hash(r["seq"], salt, k) % n]
            if ok(j):
                return j
        start = _hash(r["seq"], salt) % n
        for k in range(n):
            j = group[(start + k) % n]
            if ok(j):
                return j
        return -1

    def link(self, i: int, t: Template) -> tuple[dict[str, Any] | None, str | None]:
        """The links of row ``i`` for task ``t`` (partners, options), or why it has none."""
        r, m = self.rows[i], self.metas[i]
        balanced = [(p.role, f) for p in t.partners for f, mode in p.match if mode == "balanced"]
        decision, balanced_role, found = None, None, {}
        if balanced:
            balanced_role, f = balanced[0]
            spec = next(p for p in t.partners if p.role == balanced_role)
            base_same = [g for g, mode in spec.match if mode == "same"]
            base_diff = [g for g, mode in spec.match if mode == "different"]
            # The same salt as the pick below: when nothing else is taken yet, the partner found here is that pick.
            salt = f"{t.code}:{balanced_role}"
            found = {
                "same": self._pick(i, spec, base_same + [f], base_diff, set(), salt),
                "different": self._pick(i, spec, base_same, base_diff + [f], set(), salt),
            }
            if min(found.values()) < 0:
                return None, f"no partner with the same and one with a different {f}"
            bkey = (t.minor, *self._pool(i, spec))  # each pool (dataset, domain, split) balanced on its own
            decision = "same" if self._balance[bkey] % 2 == 0 else "different"
            self._balance[bkey] += 1
        partners: dict[str, Any] = {}
        taken = {i}
        for spec in t.partners:
            if spec.pool == "noise" and self.noise is None:
                if spec.optional:
                    continue
                return None, f"partner {spec.role} needs audio.simulate.noise"
            same = [f for f, mode in spec.match if mode == "same" or (mode == "balanced" and decision == "same")]
            diff = [f for f, mode in spec.match if mode == "different" or (mode == "balanced" and decision != "same")]
            if spec.role == balanced_role and taken == {i} and decision is not None:
                j = found[decision]
            else:
                j = self._pick(i, spec, same, diff, taken, f"{t.code}:{spec.role}")
            if j < 0:
                if spec.optional:
                    continue
                return None, f"no {spec.role} partner in {r['split']}"
            taken.add(j)
            p = self.rows[j]
            partners[spec.role] = {
                "dataset": p["dataset"],
                "recording_id": p["recording_id"],
                "audio_uri": p["audio_uri"],
                "meta": self.metas[j],
            }
        links: dict[str, Any] = {"partners": partners}
        if t.choices:
            f, count = t.choices["field"], t.choices["count"]
            vocab = self._vocabulary(r["dataset"], r["domain"], f)
            truth = str(m[f])
            others = [v for v in vocab if v != truth]
            picked = sorted(others, key=lambda v: _hash(r["seq"], t.code, v))[: count - 1]
            if not picked:
                return None, f"no other {f} to offer as a choice"
            options = sorted([truth, *picked], key=lambda v: _hash(r["seq"], t.code, "order", v))
            links["choices"] = ", ".join(options)
        return links, None

    def _vocabulary(self, dataset: str, domain: str, f: str) -> list[str]:
        if (dataset, domain, f) not in self._vocab:
            pairs = zip(self.rows, self.metas, strict=True)
            values = {str(m[f]) for r, m in pairs if (r["dataset"], r["domain"]) == (dataset, domain) and f in m}
            self._vocab[(dataset, domain, f)] = sorted(values)
        return self._vocab[(dataset, domain, f)]


def make_plan(cfg: Config) -> Plan:
    recipes = registry()
    options = StorageOptions(endpoint_url=cfg.storage.endpoint_url)
    problems: list[dict[str, Any]] = []
    not_fed: dict[str, Counter[str]] = defaultdict(Counter)
    recordings: dict[str, int] = {}
    feeds: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    metas: list[dict[str, Any]] = []
    sizes: list[int] = []
    all_templates = templates()
    for src in cfg.sources:
        cls = recipes[src.recipe]
        recipe = cls(Root(src.root, options), src.options)
        wanted = src.tasks if src.tasks is not None else cfg.build.tasks
        if src.tasks is not None and cfg.build.tasks is not None:
            wanted = [t for t in src.tasks if t in cfg.build.tasks]
        candidates = tasks_for(recipe.domain, cls.provides, wanted, cls.values)
        feeds[src.recipe] = sorted(t.minor for t in candidates)
        count = 0
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
                why = t.eligible(item.meta)
                if why:
                    not_fed[t.minor][why] += 1
                else:
                    fed.append(t.minor)
            rows.append(
                {
                    "dataset": src.recipe,
                    "domain": recipe.domain,
                    "source": json.dumps(getattr(recipe, "source", cls.source)),
                    "recording_id": item.recording_id,
                    "audio_uri": recipe.root.uri_of(item.audio),
                    "split": item.split,
                    "meta": json.dumps(item.meta, sort_keys=True, ensure_ascii=False),
                    "tasks": fed,
                    "error": "",
                }
            )
            metas.append(item.meta)
            sizes.append(item.size)
        if count == 0 and not any(p["dataset"] == src.recipe for p in problems):
            raise RecipeError(f"source {src.recipe} at {src.root}: no recordings found (is this the corpus root?)")
        recordings[src.recipe] = recordings.get(src.recipe, 0) + count
    for seq, r in enumerate(rows):
        r["seq"] = seq
    linker = _Linker(rows, metas, cfg.audio.simulate.noise)
    digest = hashlib.sha256()
    kept: list[dict[str, Any]] = []
    for i, r in enumerate(rows):
        links: dict[str, Any] = {}
        fed = []
        for minor in r["tasks"]:
            t = all_templates[minor]
            if t.partners or t.choices:
                link, why = linker.link(i, t)
                if link is None:
                    not_fed[minor][str(why)] += 1
                    continue
                links[minor] = link
            fed.append(minor)
        if not fed:
            problems.append(
                {
                    "dataset": r["dataset"],
                    "path": r["audio_uri"],
                    "stage": "plan",
                    "type": "no_eligible_task",
                    "message": f"{r['recording_id']}: lacks the labels (or partners) of every selected task",
                }
            )
            continue
        r["tasks"] = json.dumps(fed)
        r["links"] = json.dumps(links, sort_keys=True, ensure_ascii=False)
        digest.update(json.dumps([r, sizes[i]], sort_keys=True).encode())
        kept.append(r)
    from audioflan_ray.pipeline.stages import PLAN_COLUMNS, schema_of

    # Units: runs of consecutive recordings of one source, so shard names do not depend on scheduling.
    rows_by_unit: list[list[dict[str, Any]]] = []
    for r in kept:
        last = rows_by_unit[-1] if rows_by_unit else None
        if last is None or last[0]["dataset"] != r["dataset"] or len(last) >= cfg.ray.plan_unit_recordings:
            rows_by_unit.append([])
        rows_by_unit[-1].append(r)
    schema = schema_of(list(PLAN_COLUMNS))
    units = []
    for unit, unit_rows in enumerate(rows_by_unit):
        for r in unit_rows:
            r["unit"] = unit
        units.append(pa.Table.from_pylist(unit_rows, schema=schema))
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
