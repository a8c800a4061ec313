"""Linking one dataset's recordings: duplicates out, partners and choices in, unit files written (no Ray import).

One task per dataset (every source of that recipe) reads the dataset's scan files, and:

- quarantines every repeat of a (dataset, recording id) pair after its first occurrence (``duplicate``): the one
  check for every recipe;
- chooses the partners of the tasks over two or more recordings, from the same dataset, domain and split (or the
  noise pool: the dataset named by ``audio.simulate.noise``, same split), and the options of choice tasks. A
  partner is the first eligible recording after this one on a hash ring of the candidates, and each option the
  first value after it on a hash ring of the field's values (one ring per option), so adding or removing a
  recording or a value changes the links of its ring neighbours only. ``balanced`` matches alternate same / different
  within each unit and pool (as many of each per unit, ±1, from a hashed start). Symmetric comparisons never pair
  the same two recordings twice (in either order); a corpus's own pair (``real_audio``) links only the partners
  it reads;
- writes ``_plan/units/<unit>.parquet`` and returns each unit's id, row count and fingerprint: everything that
  decides the unit's output (its recordings' paths, sizes and versions, labels, tasks, partners with their
  versions, the output-shaping config and the code), so an unchanged unit is reused by the next build.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import string
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from audioflan_ray.config import Config
from audioflan_ray.pipeline.scan import storage_options
from audioflan_ray.schema import PLAN_DIR, PLAN_SCHEMA
from audioflan_ray.storage import Root
from audioflan_ray.tasks.engine import PartnerSpec, Template, parse_related, related_path, templates

PROBE_LIMIT = 4096
EVERY_TASK = "(every task)"  # the not_fed entry of recordings that feed no selected task
#: partner fields every builder may read besides the ones a template names
_ALWAYS = ("label", "speaker", "segments", "target_audio", "stems")


def unit_path(unit: str) -> str:
    return f"{PLAN_DIR}/units/{unit}.parquet"


def h64(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:8], "big")


@dataclass
class Rows:
    """One dataset's recordings, column-wise (lists are lighter than a dict per row)."""

    recording_id: list[str]
    audio: list[str]
    audio_uri: list[str]
    split: list[str]
    domain: list[str]
    unit: list[str]
    number: list[int]
    size: list[int]
    version: list[str]
    meta_json: list[str]
    tasks: list[list[str]]
    source: list[str]
    dataset: str
    metas: list[dict[str, Any] | None] = field(default_factory=list)

    @classmethod
    def read(cls, root: Root, paths: list[str], dataset: str) -> Rows:
        tables = []
        for p in paths:
            with root.open(p, "rb") as f:
                tables.append(pq.read_table(f))
        t = pa.concat_tables(tables) if tables else pa.table({})

        def col(name: str) -> list[Any]:
            return t.column(name).to_pylist() if t.num_rows else []

        rows = cls(
            recording_id=col("recording_id"),
            audio=col("audio"),
            audio_uri=col("audio_uri"),
            split=col("split"),
            domain=col("domain"),
            unit=col("unit"),
            number=col("number"),
            size=col("size"),
            version=col("version"),
            meta_json=col("meta"),
            tasks=[json.loads(x) for x in col("tasks")],
            source=col("source"),
            dataset=dataset,
        )
        rows.metas = [None] * len(rows.recording_id)
        return rows

    def __len__(self) -> int:
        return len(self.recording_id)

    def meta(self, i: int) -> dict[str, Any]:
        m = self.metas[i]
        if m is None:
            m = self.metas[i] = json.loads(self.meta_json[i])
        return m


def first_occurrences(rows: Rows) -> list[bool]:
    """True for the first row of each recording id, False for every repeat (in scan order)."""
    seen: set[str] = set()
    out = []
    for rid in rows.recording_id:
        out.append(rid not in seen)
        seen.add(rid)
    return out


def partner_fields(t: Template, spec: PartnerSpec) -> tuple[str, ...]:
    """The partner labels an instance reads: matched / required ones, ``{role}_x`` placeholders, builders' own."""
    used: set[str] = set()
    for text in (*t.instructions, t.input, t.output):
        for _, name, _, _ in string.Formatter().parse(text):
            if name and name.startswith(spec.role + "_"):
                used.add(name[len(spec.role) + 1 :])
    return tuple(sorted(set(spec.fields()) | used | set(_ALWAYS)))


def _real_roles(t: Template, meta: dict[str, Any]) -> dict[str, bool] | None:
    """The partners a corpus's own pair reads (role -> whether its related signal is read), when this recording carries
    every related signal of its own that ``real_audio`` names; None when the instance is built the usual way."""
    if not t.real_slots:
        return None
    own = [s for s in t.real_slots.values() if (r := parse_related(s)) is not None and r.owner == "self"]
    if not own or not all(related_path(s, meta, {}) for s in own):
        return None
    roles: dict[str, bool] = {}
    for src in t.real_slots.values():
        if src.startswith("partner."):
            roles[src.split(".")[1]] = parse_related(src) is not None
    return roles


class Linker:
    def __init__(self, rows: Rows, keep: list[bool], noise: Rows | None, noise_keep: list[bool] | None):
        self.rows, self.keep = rows, keep
        self.noise, self.noise_keep = noise, noise_keep
        self.pools: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i in range(len(rows)):
            if keep[i]:
                self.pools[(rows.domain[i], rows.split[i])].append(i)
        self.noise_pools: dict[str, list[int]] = defaultdict(list)
        if noise is not None and noise_keep is not None:
            for i in range(len(noise)):
                if noise_keep[i]:
                    self.noise_pools[noise.split[i]].append(i)
        self._rings: dict[tuple[Any, ...], dict[tuple[str, ...], tuple[list[int], list[int]]]] = {}
        self._values: dict[tuple[str, str], set[str]] = {}
        self._vocab: dict[tuple[str, str, str, int], tuple[list[int], list[str]]] = {}
        self._balance: Counter[tuple[str, ...]] = Counter()
        # a unit's name for the balance: its first recording (unit ids count units, so an inserted unit would
        # renumber every later one and flip their balance)
        self._unit_name: dict[str, str] = {}
        for i in range(len(rows)):
            self._unit_name.setdefault(rows.unit[i], rows.recording_id[i])
        self._pairs: dict[str, set[tuple[int, int]]] = defaultdict(set)

    # -- rings ---------------------------------------------------------------------------------------------------------
    def _ring(
        self, t: Template, spec: PartnerSpec, i: int, same: tuple[str, ...], need: tuple[str, ...]
    ) -> tuple[list[int], list[int]] | None:
        """The candidates sharing row ``i``'s values of ``same``, as (sorted ring positions, row indices); a partner
        from the same dataset also keeps the task's ``accepts`` / ``rejects`` rules (a comparison of two violins
        never gets a voice as its second clip)."""
        code = t.code
        rows = self.rows
        if spec.pool == "noise":
            if self.noise is None:
                return None
            src, members, pool_key = self.noise, self.noise_pools.get(rows.split[i], []), ("noise", rows.split[i])
        else:
            src, members = rows, self.pools.get((rows.domain[i], rows.split[i]), [])
            pool_key = (rows.domain[i], rows.split[i])
        key = (code, spec.role, pool_key, same, need)
        if key not in self._rings:
            groups: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
            for j in members:
                m = src.meta(j)
                if all(m.get(f) not in (None, "") for f in need) and (spec.pool == "noise" or t.refuses(m) is None):
                    groups[tuple(str(m.get(f)) for f in same)].append((h64(src.recording_id[j], code, spec.role), j))
            self._rings[key] = {}
            for g, pairs in groups.items():
                pairs.sort()
                self._rings[key][g] = ([p[0] for p in pairs], [p[1] for p in pairs])
        return self._rings[key].get(tuple(str(rows.meta(i).get(f)) for f in same))

    def _pick(
        self,
        i: int,
        t: Template,
        spec: PartnerSpec,
        same: list[str],
        diff: list[str],
        taken: set[int],
        symmetric: bool,
        need: tuple[str, ...] = (),
    ) -> int:
        """The first acceptable candidate after row ``i`` on the ring (-1 when there is none)."""
        m = self.rows.meta(i)
        if any(m.get(f) in (None, "") for f in same + diff):
            return -1
        ring = self._ring(t, spec, i, tuple(same), spec.fields() + need)
        if not ring:
            return -1
        positions, members = ring
        src = self.noise if spec.pool == "noise" else self.rows
        assert src is not None
        own = spec.pool != "noise"
        avoid = {f: {str(self.rows.meta(k).get(f)) for k in taken | {i}} for f in diff}
        start = bisect.bisect_right(positions, h64(self.rows.recording_id[i], t.code, spec.role))
        n = len(members)
        for k in range(min(n, PROBE_LIMIT)):
            j = members[(start + k) % n]
            if own and (j == i or j in taken):
                continue
            mj = src.meta(j)
            if any(str(mj.get(f)) in avoid[f] for f in diff):
                continue
            if symmetric and own and (min(i, j), max(i, j)) in self._pairs[t.code]:
                continue
            return j
        return -1

    # -- links ---------------------------------------------------------------------------------------------------------
    def link(self, i: int, t: Template) -> tuple[dict[str, Any] | None, str | None]:
        """The links of row ``i`` for task ``t`` (partners, options), or why it has none."""
        rows = self.rows
        m = rows.meta(i)
        symmetric = bool(t.compare and t.compare.get("op") == "equal")
        balanced = [(p.role, f) for p in t.partners for f, mode in p.match if mode == "balanced"]
        decision, balanced_role = None, None
        found: dict[str, int] = {}
        if balanced:
            balanced_role, f = balanced[0]
            spec = next(p for p in t.partners if p.role == balanced_role)
            base_same = [g for g, mode in spec.match if mode == "same"]
            base_diff = [g for g, mode in spec.match if mode == "different"]
            found = {
                "same": self._pick(i, t, spec, base_same + [f], base_diff, {i}, symmetric),
                "different": self._pick(i, t, spec, base_same, base_diff + [f], {i}, symmetric),
            }
            if min(found.values()) < 0:
                return None, f"no partner with the same and one with a different {f}"
            # Alternating within each unit and pool keeps both answers equally common (±1 per unit) and leaves other
            # units' pairs alone when a recording changes; a hashed start keeps small units from favouring "same".
            bkey = (t.minor, self._unit_name[rows.unit[i]], rows.domain[i], rows.split[i])
            decision = "same" if (self._balance[bkey] + h64(*bkey)) % 2 == 0 else "different"
            self._balance[bkey] += 1
        partners: dict[str, Any] = {}
        taken = {i}
        first = True
        real = _real_roles(t, m)
        for spec in t.partners:
            if real is not None and spec.role not in real:
                continue  # the corpus's own pair does not read this partner (e.g. a built mixture's interferer)
            need = ("target_audio",) if real and real[spec.role] else ()
            if spec.pool == "noise" and self.noise is None:
                if spec.optional:
                    continue
                return None, f"partner {spec.role} needs audio.simulate.noise"
            same = [f for f, mode in spec.match if mode == "same" or (mode == "balanced" and decision == "same")]
            diff = [f for f, mode in spec.match if mode == "different" or (mode == "balanced" and decision != "same")]
            if spec.role == balanced_role and decision is not None and taken == {i}:
                j = found[decision]
            else:
                j = self._pick(i, t, spec, same, diff, taken, symmetric and first, need)
            if j < 0:
                if spec.optional:
                    continue
                return None, f"no {spec.role} partner in {rows.split[i]}"
            if symmetric and first and spec.pool != "noise":
                self._pairs[t.code].add((min(i, j), max(i, j)))
            first = False
            src = self.noise if spec.pool == "noise" else rows
            assert src is not None
            if spec.pool != "noise":
                taken.add(j)
            mj = src.meta(j)
            partners[spec.role] = {
                "dataset": src.dataset,
                "number": src.number[j],
                "recording_id": src.recording_id[j],
                "audio_uri": src.audio_uri[j],
                "meta": {f: mj[f] for f in partner_fields(t, spec) if f in mj},
                "v": f"{src.size[j]}:{src.version[j]}",
            }
        links: dict[str, Any] = {"partners": partners}
        if t.choices:
            f, count = t.choices["field"], t.choices["count"]
            truth = str(m[f])
            # each option follows the recording on its own hash ring of the vocabulary: a value new to the
            # vocabulary changes the options of only the recordings just before it on a ring (other units stay
            # reusable), and with one ring per option no set of options recurs as a whole (no tell for the truth)
            picked: list[str] = []
            for r in range(count - 1):
                positions, vocab = self._vocabulary(rows.domain[i], f, t.code, r)
                start = bisect.bisect_right(positions, h64(rows.recording_id[i], t.code, "choices", r))
                for k in range(len(vocab)):
                    v = vocab[(start + k) % len(vocab)]
                    if v != truth and v not in picked:
                        picked.append(v)
                        break
            if not picked:
                return None, f"no other {f} to offer as a choice"
            options = sorted([truth, *picked], key=lambda v: h64(rows.recording_id[i], t.code, "order", v))
            links["choices"] = ", ".join(options)
        return links, None

    def _vocabulary(self, domain: str, f: str, code: str, ring: int) -> tuple[list[int], list[str]]:
        """The values of ``f`` in ``domain`` on hash ring ``ring``: (sorted positions, values in ring order)."""
        key = (domain, f, code, ring)
        if key not in self._vocab:
            if (domain, f) not in self._values:  # one pass over the rows, whatever the rings
                rows = self.rows
                self._values[(domain, f)] = {
                    str(rows.meta(i)[f])
                    for i in range(len(rows))
                    if self.keep[i] and rows.domain[i] == domain and f in rows.meta(i)
                }
            points = sorted((h64(v, code, "choice", ring), v) for v in self._values[(domain, f)])
            self._vocab[key] = ([p for p, _ in points], [v for _, v in points])
        return self._vocab[key]


@dataclass
class LinkResult:
    dataset: str
    units: list[tuple[str, str, int]]  # (unit id, fingerprint, recordings)
    recordings: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    not_fed: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    problems_path: str | None = None


def link_dataset(
    cfg: Config, dataset: str, paths: list[str], noise_paths: list[str], out_uri: str, shaping: str
) -> LinkResult:
    """Dedup, link and cut one dataset into unit files (see the module docstring)."""
    out = Root(out_uri, storage_options(cfg))
    rows = Rows.read(out, paths, dataset)
    keep = first_occurrences(rows)
    noise = noise_keep = None
    if noise_paths:
        noise = rows if noise_paths == paths else Rows.read(out, noise_paths, str(cfg.audio.simulate.noise))
        noise_keep = keep if noise is rows else first_occurrences(noise)
    all_templates = templates()
    linker = Linker(rows, keep, noise, noise_keep)
    res = LinkResult(dataset, [])
    problems: list[dict[str, Any]] = []

    def problem(i: int, reason: str, message: str) -> None:
        res.problems[reason] += 1
        problems.append(
            {
                "dataset": dataset,
                "recording_id": rows.recording_id[i],
                "path": rows.audio_uri[i],
                "stage": "plan",
                "type": reason,
                "message": message,
            }
        )

    unit_rows: list[dict[str, Any]] = []
    fp = hashlib.sha256()

    def close_unit() -> None:
        nonlocal fp
        if not unit_rows:
            return
        uid = unit_rows[0]["unit"]
        digest = fp.hexdigest()[:32]
        for r in unit_rows:
            r["fingerprint"], r["unit_size"] = digest, len(unit_rows)
        with out.open(unit_path(uid), "wb") as f:
            pq.write_table(pa.Table.from_pylist(unit_rows, schema=PLAN_SCHEMA), f)
        res.units.append((uid, digest, len(unit_rows)))
        unit_rows.clear()
        fp = hashlib.sha256(shaping.encode())

    fp = hashlib.sha256(shaping.encode())
    first_index: dict[str, int] = {}
    if not all(keep):
        for i, rid in enumerate(rows.recording_id):
            first_index.setdefault(rid, i)
    for i in range(len(rows)):
        if unit_rows and unit_rows[0]["unit"] != rows.unit[i]:
            close_unit()
        if not keep[i]:
            first_at = rows.audio_uri[first_index[rows.recording_id[i]]]
            problem(i, "duplicate", f"{rows.recording_id[i]} appears again (first at {first_at}); this one is not used")
            continue
        links: dict[str, Any] = {}
        fed: list[str] = []
        for minor in rows.tasks[i]:
            t = all_templates[minor]
            if t.partners or t.choices:
                link, why = linker.link(i, t)
                if link is None:
                    res.not_fed[minor][str(why)] += 1
                    continue
                links[minor] = link
            fed.append(minor)
        if not fed:  # not bad data: counted in stats.json not_fed, not quarantined
            res.not_fed[EVERY_TASK]["lacks the labels (or partners) of every selected task"] += 1
            continue
        row = {
            "unit": rows.unit[i],
            "pos": len(unit_rows),
            "dataset": dataset,
            "number": rows.number[i],
            "domain": rows.domain[i],
            "source": rows.source[i],
            "recording_id": rows.recording_id[i],
            "audio_uri": rows.audio_uri[i],
            "split": rows.split[i],
            "meta": rows.meta_json[i],
            "tasks": json.dumps(fed),
            "links": json.dumps(links, sort_keys=True, ensure_ascii=False),
            "error": "",
        }
        fp.update(
            json.dumps(
                [rows.recording_id[i], rows.audio[i], rows.size[i], rows.version[i], row["meta"], fed, row["links"]]
            ).encode()
        )
        unit_rows.append(row)
        res.recordings += 1
    close_unit()
    if problems:
        res.problems_path = f"{PLAN_DIR}/problems/link-{dataset}.jsonl"
        out.write_bytes_atomic(
            res.problems_path, "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in problems).encode()
        )
    return res
