"""``audioflan-ray validate``: re-read a build and check it against its manifest and the contract."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from audioflan_ray.audio.ops import flac_info
from audioflan_ray.ids import KEY_RE
from audioflan_ray.release import key_hash
from audioflan_ray.schema import FORMAT, MANIFEST, OTHER_KEYS, RECORD_KEYS, SHARD_INDEX, STATS, TASK_TYPE_KEYS
from audioflan_ray.sink.tars import read_samples
from audioflan_ray.storage import Root, StorageOptions
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.tasks.engine import AUDIO_REF

AUDIO_ID_RE = re.compile(r"^\d{2,}_[A-Za-z0-9_-]+$")
MAX_PROBLEMS = 200
BATCH_SHARDS = 16  # shards per validation task
RAY_BATCHES = 64  # from this many batches (1,024 shards) a validation runs on Ray


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.count = 0

    def add(self, msg: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(msg)


def _structure(value: Any) -> Any:
    """The shape of a JSON value (keys and types), to check that a folder is homogeneous."""
    if isinstance(value, dict):
        return {k: _structure(v) for k, v in value.items()}
    if isinstance(value, list):
        return ["list"]
    return type(value).__name__ if value is not None else "null"


def _compatible(a: Any, b: Any) -> bool:
    """Same keys and types, where null (an absent value) goes with any type."""
    if a == "null" or b == "null":
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_compatible(a[k], b[k]) for k in a)
    return bool(a == b)


def _merge(a: Any, b: Any) -> Any:
    """The more concrete of two compatible structures (a null leaf takes the other's type)."""
    if a == "null":
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a[k], b[k]) for k in a}
    return a


def check_record(
    key: str,
    rec: Any,
    members: dict[str, bytes],
    sample_rates: dict[str, int],
    add: Any,
    task_rates: dict[str, int] | None = None,
) -> float:
    """Check one sample; returns its audio seconds."""
    tasks = catalog()
    task_rates = task_rates or {}
    where = f"sample {key}"
    if not KEY_RE.match(key):
        add(f"{where}: key has characters outside [A-Za-z0-9_-]")
    if not isinstance(rec, dict):
        add(f"{where}: json is not an object")
        return 0.0
    if list(rec) != list(RECORD_KEYS):
        add(f"{where}: json keys {list(rec)} != {list(RECORD_KEYS)}")
    for f in ("instruction", "input", "output", "uuid", "domain"):
        if not isinstance(rec.get(f), str):
            add(f"{where}: {f} must be a string")
    if rec.get("uuid") != key:
        add(f"{where}: uuid {rec.get('uuid')!r} differs from the key")
    split = rec.get("split")
    if not (isinstance(split, list) and len(split) == 1 and split[0] in ("train", "dev", "test")):
        add(f'{where}: split must be one of ["train"], ["dev"], ["test"]')
    tt = rec.get("task_type")
    if not isinstance(tt, dict) or set(tt) != set(TASK_TYPE_KEYS):
        add(f"{where}: task_type must have keys {sorted(TASK_TYPE_KEYS)}")
        tt = None
    audio: dict[str, str] = {}
    entries = rec.get("audio")
    if not isinstance(entries, list) or not entries:
        add(f"{where}: audio must be a non-empty list of {{id, member}}")
        entries = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"id", "member"}:
            add(f"{where}: audio entry {entry!r} is not {{id, member}}")
            continue
        aid, member = str(entry["id"]), str(entry["member"])
        if aid in audio:
            add(f"{where}: AUDIO_ID {aid} listed twice in audio")
        if not AUDIO_ID_RE.match(aid):
            add(f"{where}: AUDIO_ID {aid!r} lacks Audio-FLAN's <NN>_<Dataset>_<id> form")
        audio[aid] = member
    if not isinstance(rec.get("source"), list):
        add(f"{where}: source must be a list")
    other = rec.get("other")
    if not isinstance(other, dict) or not set(OTHER_KEYS) <= set(other):
        add(f"{where}: other must hold {', '.join(OTHER_KEYS)}")
    if isinstance(other, dict) and other.get("features") is not None:
        feats = members.get(str(other["features"]))
        if feats is None:
            add(f"{where}: features member {key}.{other['features']} is missing")
        else:
            try:
                import numpy as np

                arr = np.load(io.BytesIO(feats), allow_pickle=False)
                if arr.ndim != 2 or not np.isfinite(arr).all():
                    add(f"{where}: features are not a finite [frames, bins] matrix")
            except ValueError as exc:
                add(f"{where}: features do not load as .npy: {exc}")
    refs = AUDIO_REF.findall(str(rec.get("input", ""))) + AUDIO_REF.findall(str(rec.get("output", "")))
    for ref in refs:
        if ref not in audio:
            add(f"{where}: <|SOA|>{ref}<|EOA|> is not a key of audio")
    for aid, suffix in audio.items():
        if aid not in refs:
            add(f"{where}: audio id {aid} is not referenced in input or output")
        if suffix not in members:
            add(f"{where}: audio member {key}.{suffix} is missing")
    if tt is not None:
        minor = tt["minor"][0] if isinstance(tt["minor"], list) and tt["minor"] else None
        info = tasks.get(str(minor))
        if info is None:
            add(f"{where}: task_type.minor {tt['minor']} is not an Audio-FLAN task")
        else:
            if tt["major"] != [info.major]:
                add(f"{where}: task_type.major {tt['major']} != [{info.major!r}]")
            if rec.get("domain") != info.domain:
                add(f"{where}: domain {rec.get('domain')!r} != {info.domain!r}")
        audio_out = bool(AUDIO_REF.search(str(rec.get("output", ""))))
        expected = "generation" if audio_out else "understanding"
        if tt["U/G"] != [expected]:
            add(f"{where}: U/G {tt['U/G']} but the output {'is' if audio_out else 'is not'} audio")
    if isinstance(tt, dict) and tt.get("unseen") is True and rec.get("split") != ["test"]:
        add(f"{where}: an unseen task's instance must be in the test split")
    # Which member is what: built audio ids start with the key, partners are listed in other.partners, the rest
    # is this recording (whose span other.start_s/end_s gives).
    suffix_of_id = audio if isinstance(audio, dict) else {}
    other_d = other if isinstance(other, dict) else {}
    partner_ids = {p.get("audio_id") for p in other_d.get("partners") or [] if isinstance(p, dict)}
    built_rec = other_d.get("built") or {}
    kind_of = {
        suffix: "built" if aid.startswith(f"{key}_") else "partner" if aid in partner_ids else "self"
        for aid, suffix in suffix_of_id.items()
    }
    seconds = 0.0
    for suffix, data in members.items():
        if not suffix.endswith(".flac"):
            continue
        try:
            flac = flac_info(data)
            import soundfile as sf

            samples, _ = sf.read(io.BytesIO(data), dtype="float32")  # decode every frame, not just the header
            if len(samples) != flac["frames"]:
                add(f"{where}: {suffix} decodes to {len(samples)} frames, header says {flac['frames']}")
        except Exception as exc:
            add(f"{where}: {suffix} does not decode: {exc}")
            continue
        minor = ((rec.get("task_type") or {}).get("minor") or [""])[0]
        want = task_rates.get(minor) or sample_rates.get(str(rec.get("domain")))
        allowed = {want} | ({built_rec.get("low_rate")} if kind_of.get(suffix) == "built" else set())
        if want and flac["sample_rate"] not in allowed:
            add(f"{where}: {suffix} at {flac['sample_rate']} Hz, config says {want}")
        if flac["channels"] != 1:
            add(f"{where}: {suffix} has {flac['channels']} channels, expected mono")
        seconds += flac["frames"] / flac["sample_rate"]
        selfish = kind_of.get(suffix) == "self"
        if selfish and isinstance(other, dict) and all(isinstance(other.get(k), float) for k in ("start_s", "end_s")):
            span = other["end_s"] - other["start_s"]
            if abs(span - flac["frames"] / flac["sample_rate"]) > 0.05:
                add(f"{where}: {suffix} lasts {flac['frames'] / flac['sample_rate']:.3f} s, other says {span:.3f} s")
    return seconds


@dataclass
class ShardReport:
    """What one batch of shards holds and what is wrong with it (merged by the caller)."""

    problems: list[str] = field(default_factory=list)
    count: int = 0
    instances: int = 0
    seconds: float = 0.0
    by_task: dict[str, int] = field(default_factory=dict)
    shapes: dict[str, Any] = field(default_factory=dict)  # folder -> (members, JSON structure)
    key_hashes: list[int] = field(default_factory=list)
    refs: list[tuple[str, str]] = field(default_factory=list)  # (domain, AUDIO_ID) of every reference

    def add(self, msg: str) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(msg)


def check_shards(
    uri: str, options: StorageOptions | None, entries: list[dict[str, Any]], config: dict[str, Any]
) -> ShardReport:
    """Re-read shards (index rows): size, sha256, sample count, every record, folder homogeneity."""
    root = Root(uri, options)
    audio_cfg = config.get("audio", {}) or {}
    rates = audio_cfg.get("sample_rate", {}) or {}
    task_rates = audio_cfg.get("task_sample_rate", {}) or {}
    rep = ShardReport()
    for entry in entries:
        path = entry["path"]
        if not root.exists(path):
            rep.add(f"shard {path}: missing")
            continue
        data = root.read_bytes(path)
        if len(data) != entry["num_bytes"]:
            rep.add(f"shard {path}: {len(data)} bytes, the index says {entry['num_bytes']} (truncated?)")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            rep.add(f"shard {path}: sha256 differs from the index (altered or truncated)")
        folder = path.rsplit("/", 1)[0]
        n = 0
        try:
            for key, members in read_samples(io.BytesIO(data)):
                n += 1
                rep.key_hashes.append(key_hash(key))
                if "json" not in members:
                    rep.add(f"shard {path}: sample {key} has no json member")
                    continue
                try:
                    rec = json.loads(members["json"])
                except ValueError as exc:
                    rep.add(f"shard {path}: sample {key} json does not parse: {exc}")
                    continue
                rep.seconds += check_record(
                    key, rec, members, rates, lambda m, p=path: rep.add(f"{p}: {m}"), task_rates
                )
                shape = (sorted(members), _structure(rec))
                if folder not in rep.shapes:
                    rep.shapes[folder] = shape
                elif rep.shapes[folder][0] != shape[0] or not _compatible(rep.shapes[folder][1], shape[1]):
                    rep.add(f"shard {path}: sample {key} differs in members or JSON structure from its folder")
                else:
                    rep.shapes[folder] = (shape[0], _merge(rep.shapes[folder][1], shape[1]))
                tt = rec.get("task_type") or {}
                minor = (tt.get("minor") or ["?"])[0]
                rep.by_task[minor] = rep.by_task.get(minor, 0) + 1
                if minor != entry.get("task") or (rec.get("split") or ["?"])[0] != entry.get("split"):
                    rep.add(
                        f"shard {path}: sample {key} is {minor}/{rec.get('split')}, the index says the shard is "
                        f"{entry.get('task')}/{entry.get('split')}"
                    )
                domain = str(rec.get("domain"))
                for ref in AUDIO_REF.findall(str(rec.get("input", ""))) + AUDIO_REF.findall(str(rec.get("output", ""))):
                    rep.refs.append((domain, ref))
        except Exception as exc:  # a truncated tar raises from inside tarfile
            rep.add(f"shard {path}: unreadable tar ({type(exc).__name__}: {exc})")
        if n != entry["num_samples"]:
            rep.add(f"shard {path}: {n} samples, the index says {entry['num_samples']}")
        rep.instances += n
    return rep


def _sample_of(entries: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """A deterministic sample of ``n`` shards, spread over the build (hash order of their paths)."""
    ranked = sorted(entries, key=lambda e: hashlib.sha256(str(e["path"]).encode()).hexdigest())
    return sorted(ranked[:n], key=lambda e: str(e["path"]))


def validate(
    uri: str,
    options: StorageOptions | None = None,
    sample: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    distributed: bool | None = None,
) -> dict[str, Any]:
    """Check a build against its manifest and the contract. Shards are checked in batches: as Ray tasks when Ray is
    up or named, when ``distributed``, or when the build is large; in this process otherwise (``distributed=False``
    forces that). ``sample``: only that many shards, chosen deterministically."""
    root = Root(uri, options)
    problems = _Problems()
    report: dict[str, Any] = {"output": uri, "ok": False, "shards": 0, "instances": 0}
    if not root.exists(MANIFEST):
        problems.add(f"{MANIFEST} is missing: the build is incomplete or {uri} is not a build")
        return {**report, "problems": problems.items, "num_problems": problems.count}
    try:
        manifest = json.loads(root.read_bytes(MANIFEST))
    except ValueError as exc:
        problems.add(f"{MANIFEST} is not JSON: {exc}")
        return {**report, "problems": problems.items, "num_problems": problems.count}
    if manifest.get("format") != FORMAT:
        problems.add(f"{MANIFEST}: format {manifest.get('format')!r} != {FORMAT!r} (rebuild with this version)")
        return {**report, "problems": problems.items, "num_problems": problems.count}
    index = str(manifest.get("shard_index") or SHARD_INDEX)
    if not root.exists(index):
        problems.add(f"{index} (the shard index) is missing")
        return {**report, "problems": problems.items, "num_problems": problems.count}
    with root.open(index, "rb") as f:
        entries = pq.read_table(f).to_pylist()
    if len(entries) != manifest.get("num_shards"):
        problems.add(f"{index}: {len(entries)} shards, the manifest says {manifest.get('num_shards')}")
    paths = [e["path"] for e in entries]
    if len(set(paths)) != len(paths):
        problems.add(f"{index}: a shard is listed twice")
    full = sample is None or sample >= len(entries)
    chosen = entries if full else _sample_of(entries, int(sample or 0))
    batches = [chosen[k : k + BATCH_SHARDS] for k in range(0, len(chosen), BATCH_SHARDS)]
    config = manifest.get("config") or {}
    reports = list(_run(uri, options, batches, config, on_progress, len(chosen), distributed))
    keys = np.array([h for r in reports for h in r.key_hashes], dtype=np.uint64)
    if len(np.unique(keys)) != len(keys):
        problems.add("a sample key appears twice in the build")
    shapes: dict[str, Any] = {}
    instances, seconds = 0, 0.0
    by_task: dict[str, int] = {}
    for r in reports:
        for p in r.problems:
            problems.add(p)
        problems.count += r.count - len(r.problems)
        instances += r.instances
        seconds += r.seconds
        for t, c in r.by_task.items():
            by_task[t] = by_task.get(t, 0) + c
        for folder, shape in r.shapes.items():
            if folder not in shapes:
                shapes[folder] = shape
            elif shapes[folder][0] != shape[0] or not _compatible(shapes[folder][1], shape[1]):
                problems.add(f"folder {folder}: its shards differ in members or JSON structure")
    totals = manifest.get("totals", {})
    if full:
        if totals.get("instances") != instances:
            problems.add(f"manifest totals.instances {totals.get('instances')} != {instances} found")
        if totals.get("by_task") and totals["by_task"] != dict(sorted(by_task.items())):
            problems.add("manifest totals.by_task differs from the shards")
    if not root.exists(STATS):
        problems.add(f"{STATS} is missing")
    if manifest.get("release_index"):
        from audioflan_ray.release import validate_release

        refs = None if full else {ref for r in reports for ref in r.refs}
        for p in validate_release(root, manifest, np.unique(keys) if full else None, refs):
            problems.add(p)
    report.update(
        ok=problems.count == 0,
        shards=len(entries),
        shards_checked=len(chosen),
        instances=instances,
        audio_hours=round(seconds / 3600, 4),
        num_problems=problems.count,
        problems=problems.items,
    )
    return report


def _run(
    uri: str,
    options: StorageOptions | None,
    batches: list[list[dict[str, Any]]],
    config: dict[str, Any],
    on_progress: Callable[[int, int], None] | None,
    total: int,
    distributed: bool | None,
) -> Iterator[ShardReport]:
    done = 0
    started = _start_ray(len(batches), distributed)
    if started is not None:
        import ray

        try:
            task = ray.remote(num_cpus=1)(check_shards)
            refs = [task.remote(uri, options, b, config) for b in batches]
            for ref, b in zip(refs, batches, strict=True):
                yield ray.get(ref)
                done += len(b)
                if on_progress:
                    on_progress(done, total)
        finally:
            if started:
                ray.shutdown()
        return
    for b in batches:
        yield check_shards(uri, options, b, config)
        done += len(b)
        if on_progress:
            on_progress(done, total)


def _start_ray(batches: int, distributed: bool | None) -> bool | None:
    """Whether to check on Ray: asked for, or Ray already up or named (``ray job submit``, RAY_ADDRESS), or a build
    large enough (``RAY_BATCHES`` batches of shards) to be worth starting it. Returns None for in-process, else
    whether Ray was started here (and is shut down after)."""
    import os

    if distributed is False:
        return None
    import ray

    if ray.is_initialized():
        return False
    if os.environ.get("RAY_ADDRESS"):
        ray.init(address=os.environ["RAY_ADDRESS"], namespace="audioflan")
        return True
    if distributed or batches >= RAY_BATCHES:
        ray.init(include_dashboard=False, namespace="audioflan")
        return True
    return None
