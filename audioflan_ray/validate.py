"""``audioflan-ray validate``: re-read a build and check it against its manifest and the contract."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from typing import Any

from audioflan_ray.audio.ops import flac_info
from audioflan_ray.release import release_expected, validate_release
from audioflan_ray.sink.commit import FORMAT, MANIFEST
from audioflan_ray.sink.tars import read_samples
from audioflan_ray.storage import Root, StorageOptions
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.tasks.engine import AUDIO_REF

KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
RECORD_KEYS = ["instruction", "input", "output", "uuid", "split", "task_type", "domain", "source", "other", "audio"]
TASK_TYPE_KEYS = {"major", "minor", "U/G", "unseen"}
MAX_PROBLEMS = 200


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
    if list(rec) != RECORD_KEYS:
        add(f"{where}: json keys {list(rec)} != {RECORD_KEYS}")
    for f in ("instruction", "input", "output", "uuid", "domain"):
        if not isinstance(rec.get(f), str):
            add(f"{where}: {f} must be a string")
    if rec.get("uuid") != key:
        add(f"{where}: uuid {rec.get('uuid')!r} differs from the key")
    split = rec.get("split")
    if not (isinstance(split, list) and len(split) == 1 and split[0] in ("train", "dev", "test")):
        add(f'{where}: split must be one of ["train"], ["dev"], ["test"]')
    tt = rec.get("task_type")
    if not isinstance(tt, dict) or set(tt) != TASK_TYPE_KEYS:
        add(f"{where}: task_type must have keys {sorted(TASK_TYPE_KEYS)}")
        tt = None
    audio = rec.get("audio")
    if not isinstance(audio, dict) or not audio:
        add(f"{where}: audio must be a non-empty object")
        audio = {}
    if not isinstance(rec.get("source"), list):
        add(f"{where}: source must be a list")
    other = rec.get("other")
    if not isinstance(other, dict) or not {"dataset", "recording_id", "start_s", "end_s"} <= set(other):
        add(f"{where}: other must hold dataset, recording_id, start_s, end_s")
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


def validate(
    uri: str, options: StorageOptions | None = None, on_shard: Callable[[int, int, str], None] | None = None
) -> dict[str, Any]:
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
        problems.add(f"{MANIFEST}: format {manifest.get('format')!r} != {FORMAT!r}")
    audio_cfg = manifest.get("config", {}).get("audio", {}) or {}
    rates = audio_cfg.get("sample_rate", {}) or {}
    task_rates = audio_cfg.get("task_sample_rate", {}) or {}
    keys: set[str] = set()
    folder_shape: dict[str, tuple[Any, Any]] = {}
    total_instances, total_seconds = 0, 0.0
    by_task: dict[str, int] = {}
    shards = manifest.get("shards", [])
    for i, entry in enumerate(shards):
        path = entry["path"]
        if on_shard:
            on_shard(i, len(shards), path)
        if not root.exists(path):
            problems.add(f"shard {path}: missing")
            continue
        data = root.read_bytes(path)
        if len(data) != entry["num_bytes"]:
            problems.add(f"shard {path}: {len(data)} bytes, manifest says {entry['num_bytes']} (truncated?)")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            problems.add(f"shard {path}: sha256 differs from the manifest (altered or truncated)")
        folder = path.rsplit("/", 1)[0]
        n = 0
        tasks_here: dict[str, int] = {}
        try:
            for key, members in read_samples(io.BytesIO(data)):
                n += 1
                if key in keys:
                    problems.add(f"shard {path}: key {key} appears twice in the build")
                keys.add(key)
                if "json" not in members:
                    problems.add(f"shard {path}: sample {key} has no json member")
                    continue
                try:
                    rec = json.loads(members["json"])
                except ValueError as exc:
                    problems.add(f"shard {path}: sample {key} json does not parse: {exc}")
                    continue
                total_seconds += check_record(
                    key, rec, members, rates, lambda m, p=path: problems.add(f"{p}: {m}"), task_rates
                )
                shape = (sorted(members), _structure({k: v for k, v in rec.items() if k != "audio"}))
                if folder not in folder_shape:
                    folder_shape[folder] = shape
                elif folder_shape[folder][0] != shape[0] or not _compatible(folder_shape[folder][1], shape[1]):
                    problems.add(f"shard {path}: sample {key} differs in members or JSON structure from its folder")
                else:
                    folder_shape[folder] = (shape[0], _merge(folder_shape[folder][1], shape[1]))
                minor = (rec.get("task_type") or {}).get("minor", ["?"])[0]
                tasks_here[minor] = tasks_here.get(minor, 0) + 1
        except Exception as exc:  # a truncated tar raises from inside tarfile
            problems.add(f"shard {path}: unreadable tar ({type(exc).__name__}: {exc})")
        if n != entry["num_samples"]:
            problems.add(f"shard {path}: {n} samples, manifest says {entry['num_samples']}")
        if tasks_here and tasks_here != entry.get("tasks"):
            problems.add(f"shard {path}: tasks {tasks_here} != manifest {entry.get('tasks')}")
        for t, c in tasks_here.items():
            by_task[t] = by_task.get(t, 0) + c
        total_instances += n
    totals = manifest.get("totals", {})
    if totals.get("instances") != total_instances:
        problems.add(f"manifest totals.instances {totals.get('instances')} != {total_instances} found")
    if totals.get("by_task") and totals["by_task"] != dict(sorted(by_task.items())):
        problems.add("manifest totals.by_task differs from the shards")
    if not root.exists("stats.json"):
        problems.add("stats.json is missing")
    for p in validate_release(root, manifest, keys) if release_expected(root, manifest) else []:
        problems.add(p)
    report.update(
        ok=problems.count == 0,
        shards=len(shards),
        instances=total_instances,
        audio_hours=round(total_seconds / 3600, 4),
        num_problems=problems.count,
        problems=problems.items,
    )
    return report
