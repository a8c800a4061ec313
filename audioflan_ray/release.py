"""The Audio-FLAN release layout beside the shards (contract §5): export from committed shards, and its check.

```
metadata/{domain}/{understanding|generation}/{train_dev|test}/<NN>_<Dataset>/jsonl/<shard>.jsonl
audio_files/{domain}/<NN>_<Dataset>/<AUDIO_ID>.flac     one file per AUDIO_ID
scp_files/{domain}/<NN>_<Dataset>.scp                  "AUDIO_ID audio_files/...flac", sorted, unique
```

A jsonl folder is placed by the instance (its task's domain and side, its split, its dataset); an audio file by the
recording's corpus, so that a recording used by tasks of two domains is still stored once. Builds reach 1e8
instances, so the shards are exported in batches, as Ray tasks when Ray is up (threads otherwise); the driver only
merges the returned scp lines. A batch holds every shard of its (dataset, unit): all the instances of a recording are
in one batch, and one in-memory set writes each of its audio files once (a partner or noise recording of another
unit may be written by two batches: the same bytes, atomically).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import posixpath
import re
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from audioflan_ray.sink.tars import read_samples
from audioflan_ray.storage import Root, StorageOptions
from audioflan_ray.tasks.engine import AUDIO_REF

log = logging.getLogger(__name__)

RELEASE_DIRS = ("metadata", "scp_files", "audio_files")
UNKNOWN_NUMBER = 99  # <NN> of a dataset no recipe of the build describes
MAX_PROBLEMS = 200
DECODE_SAMPLE = 200  # audio files decoded by validate_release (all of them when there are fewer)
_AUDIO_ID_RE = re.compile(r"^[^\s/\\]+$")  # an AUDIO_ID is a file name and one field of an scp line
_PIECE_RE = re.compile(r"-\d+$")


def release_enabled(config: Mapping[str, Any]) -> bool:
    """Whether a build's resolved config asks for the layout (manifests from before the key have none)."""
    return bool((config.get("output") or {}).get("release_layout", False))


def release_expected(root: Root, manifest: Mapping[str, Any]) -> bool:
    """Whether validate checks the layout: the build asked for it, or `audioflan-ray export` wrote it later."""
    return release_enabled(manifest.get("config") or {}) or root.isdir("metadata")


def datasets_of(sources: Iterable[Mapping[str, Any]], options: StorageOptions | None = None) -> dict[str, Any]:
    """Dataset name -> {"domain", "number"} for the sources of a build.

    The domain is read from a recipe instance, as the plan builds it, because a recipe may take it from its options
    (the generic ``manifest`` recipe). A recipe no longer registered is left out: its records fall back to their own
    domain and number 99.
    """
    from audioflan_ray.recipes.base import registry

    recipes = registry()
    out: dict[str, Any] = {}
    for src in sources:
        cls = recipes.get(str(src["recipe"]))
        if cls is None:
            continue
        recipe = cls(Root(str(src["root"]), options), dict(src.get("options") or {}))
        out[cls.name] = {"domain": str(recipe.domain), "number": int(cls.number)}
    return out


# -- placement ---------------------------------------------------------------------------------------------------


def dataset_folder(dataset: str, datasets: Mapping[str, Any], fallback_domain: str) -> tuple[str, str]:
    """(domain, "<NN>_<Dataset>") of a dataset."""
    info = datasets.get(dataset)
    if info is None:
        return fallback_domain, f"{UNKNOWN_NUMBER:02d}_{dataset}"
    return str(info["domain"]), f"{int(info['number']):02d}_{dataset}"


def split_group(split: str) -> str:
    return "test" if split == "test" else "train_dev"


def jsonl_name(shard_path: str) -> str:
    """The jsonl file of a shard: its path below ``shards/`` joined by dots.

    The shard's bare stem (``<dataset>-<unit>-<piece>``) recurs in every task folder and in train and dev, which
    share a ``train_dev`` jsonl folder, so the folder path is kept in the name.
    """
    rel = shard_path.removeprefix("shards/").removesuffix(".tar")
    return rel.replace("/", ".") + ".jsonl"


def jsonl_path(rec: Mapping[str, Any], shard_path: str, datasets: Mapping[str, Any]) -> str:
    domain = str(rec["domain"])
    _, folder = dataset_folder(str(rec["other"]["dataset"]), datasets, domain)
    side = str(rec["task_type"]["U/G"][0])
    return f"metadata/{domain}/{side}/{split_group(str(rec['split'][0]))}/{folder}/jsonl/{jsonl_name(shard_path)}"


def audio_owner(audio_id: str, dataset: str, datasets: Mapping[str, Any]) -> str:
    """The corpus an AUDIO_ID comes from: ids start with their dataset's name (``<dataset>_<recording>``), which
    also places a second signal taken from another corpus (a noise mixed in) under that corpus."""
    if audio_id.startswith(f"{dataset}_"):
        return dataset
    owners = [d for d in datasets if audio_id.startswith(f"{d}_")]
    return max(owners, key=len) if owners else dataset


def audio_paths(audio_id: str, owner: str, datasets: Mapping[str, Any], fallback_domain: str) -> tuple[str, str]:
    """(audio file, scp file) of an AUDIO_ID, both relative to the output root."""
    domain, folder = dataset_folder(owner, datasets, fallback_domain)
    return f"audio_files/{domain}/{folder}/{audio_id}.flac", f"scp_files/{domain}/{folder}.scp"


# -- export ------------------------------------------------------------------------------------------------------


class _Claims:
    """Audio files taken by some batch of this process (thread mode), so that two threads never write one file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taken: set[str] = set()

    def claim(self, path: str) -> bool:
        with self._lock:
            if path in self._taken:
                return False
            self._taken.add(path)
            return True


class _Writer:
    """Atomic writes, a bounded number in flight on object stores (one PUT is mostly latency)."""

    def __init__(self, root: Root, workers: int):
        self.root = root
        self.pool = ThreadPoolExecutor(workers) if workers > 1 else None
        self.limit = 4 * workers
        self.pending: deque[Future[bool]] = deque()
        self.written = 0
        self.existing = 0

    def _put(self, rel: str, data: bytes, only_if_absent: bool) -> bool:
        if only_if_absent and self.root.exists(rel):
            return False
        self.root.write_bytes_atomic(rel, data)
        return True

    def _count(self, wrote: bool) -> None:
        if wrote:
            self.written += 1
        else:
            self.existing += 1

    def put(self, rel: str, data: bytes, only_if_absent: bool = False) -> None:
        if self.pool is None:
            self._count(self._put(rel, data, only_if_absent))
            return
        while len(self.pending) >= self.limit:
            self._count(self.pending.popleft().result())
        self.pending.append(self.pool.submit(self._put, rel, data, only_if_absent))

    def close(self) -> None:
        while self.pending:
            self._count(self.pending.popleft().result())
        if self.pool is not None:
            self.pool.shutdown()

    def abort(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def export_batch(
    uri: str,
    options: dict[str, Any],
    shard_paths: list[str],
    datasets: dict[str, Any],
    fresh: bool,
    claims: _Claims | None = None,
) -> dict[str, Any]:
    """Export the jsonl and audio files of some shards.

    Returns the scp lines by scp file (each with a third field, a digest of the audio), the jsonl files written and
    counts (``written`` / ``existing``: audio files).

    ``fresh``: the release folders were just emptied, so nothing is checked for before writing; otherwise an audio
    file already there is kept (an export of the same shards wrote the same bytes).
    """
    root = Root(uri, StorageOptions(**options))
    scp: dict[str, set[str]] = defaultdict(set)
    digests: dict[str, str] = {}  # AUDIO_ID -> sha1 of its bytes in this batch
    conflicts: list[str] = []
    jsonl_files: list[str] = []
    instances = 0
    writer = _Writer(root, 16 if root.protocol == "s3" else 1)
    try:
        for shard in shard_paths:
            files: dict[str, list[bytes]] = defaultdict(list)
            with root.open(shard, "rb") as f:
                for key, members in read_samples(f):
                    raw = members["json"]
                    rec = json.loads(raw)
                    # the record exactly as in the shard; json.dumps escapes newlines, so this is one line
                    files[jsonl_path(rec, shard, datasets)].append(raw.strip())
                    instances += 1
                    dataset = str(rec["other"]["dataset"])
                    for audio_id, suffix in rec["audio"].items():
                        if not _AUDIO_ID_RE.match(audio_id):
                            raise ValueError(f"{shard}: sample {key}: AUDIO_ID {audio_id!r} cannot be a file name")
                        data = members.get(suffix)
                        if data is None:
                            raise ValueError(f"{shard}: sample {key} has no member {suffix} for {audio_id}")
                        digest = hashlib.sha1(data).hexdigest()
                        first = digests.get(audio_id)
                        if first is not None:  # stored already; the same id must carry the same audio
                            if first != digest:
                                conflicts.append(f"{shard}: {key}: {audio_id}")
                            continue
                        digests[audio_id] = digest
                        owner = audio_owner(audio_id, dataset, datasets)
                        path, scp_file = audio_paths(audio_id, owner, datasets, str(rec["domain"]))
                        # the digest lets the driver see one id carrying other audio in another batch
                        scp[scp_file].add(f"{audio_id} {path} {digest[:16]}")
                        if claims is None or claims.claim(path):
                            writer.put(path, data, only_if_absent=not fresh)
            for rel, lines in sorted(files.items()):
                root.write_bytes_atomic(rel, b"\n".join(lines) + b"\n")  # one per shard: few, and not counted
                jsonl_files.append(rel)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return {
        "scp": {k: sorted(v) for k, v in scp.items()},
        "jsonl": jsonl_files,
        "shards": len(shard_paths),
        "instances": instances,
        "written": writer.written,
        "existing": writer.existing,
        "conflicts": conflicts,
    }


def plan_batches(shards: Sequence[Mapping[str, Any]], target_bytes: int) -> list[list[str]]:
    """Shard paths in batches of about ``target_bytes``, never splitting the shards of one (dataset, unit)."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for s in shards:
        stem = posixpath.basename(str(s["path"])).removesuffix(".tar")
        groups[_PIECE_RE.sub("", stem)].append(s)  # <dataset>-<unit>-<piece> -> <dataset>-<unit>
    batches: list[list[str]] = []
    current: list[str] = []
    size = 0
    for name in sorted(groups):
        for s in groups[name]:
            current.append(str(s["path"]))
            size += int(s.get("num_bytes") or 0)
        if size >= target_bytes:
            batches.append(current)
            current, size = [], 0
    if current:
        batches.append(current)
    return batches


def _workers() -> int:
    import ray

    if ray.is_initialized():
        return max(1, int(ray.cluster_resources().get("CPU", 1)))
    return os.cpu_count() or 1


def _progress(start: float, done: list[dict[str, Any]], batches: int, shards: int, instances: int) -> None:
    print(
        f"[export {time.monotonic() - start:6.0f}s] batches {len(done)}/{batches} | "
        f"shards {sum(d['shards'] for d in done)}/{shards} | "
        f"instances {sum(d['instances'] for d in done)}/{instances} | "
        f"audio files written {sum(d['written'] for d in done)}",
        file=sys.stderr,
        flush=True,
    )


def _run_batches(
    uri: str,
    options: dict[str, Any],
    batches: list[list[str]],
    datasets: dict[str, Any],
    fresh: bool,
    on_tick: Callable[[list[dict[str, Any]]], None],
    interval: float,
) -> list[dict[str, Any]]:
    import ray

    done: list[dict[str, Any]] = []
    if ray.is_initialized():
        task = ray.remote(num_cpus=1)(export_batch)  # retried by Ray: every write is atomic and idempotent
        refs = [task.remote(uri, options, b, datasets, fresh) for b in batches]
        while refs:
            ready, refs = ray.wait(refs, num_returns=len(refs), timeout=interval)
            done.extend(ray.get(ready))
            on_tick(done)
        return done
    claims = _Claims()
    with ThreadPoolExecutor(min(8, len(batches) or 1)) as pool:
        pending = {pool.submit(export_batch, uri, options, b, datasets, fresh, claims) for b in batches}
        while pending:
            finished, pending = wait(pending, timeout=interval, return_when=FIRST_COMPLETED)
            done.extend(f.result() for f in finished)
            on_tick(done)
    return done


def export(
    uri: str,
    options: dict[str, Any],
    shards: Sequence[Mapping[str, Any]],
    datasets: dict[str, Any],
    *,
    fresh: bool,
    interval: float = 5.0,
) -> dict[str, Any]:
    """Write the release layout of ``shards`` (manifest entries: path, num_samples, num_bytes) under ``uri``.

    ``fresh`` empties the release folders first (a new build: whatever is there belongs to an earlier one);
    otherwise existing audio files are kept and the jsonl and scp files are rewritten, those of no shard removed.
    """
    start = time.monotonic()
    root = Root(uri, StorageOptions(**options))
    if fresh:
        for folder in RELEASE_DIRS:
            root.remove_tree(folder)
    total_bytes = sum(int(s.get("num_bytes") or 0) for s in shards)
    # a few batches per core for balance, none so large that one task dominates
    target = min(512 << 20, max(16 << 20, total_bytes // (4 * _workers())))
    batches = plan_batches(shards, target)
    n_shards = len(shards)
    n_instances = sum(int(s.get("num_samples") or 0) for s in shards)
    last = [start]

    def tick(done: list[dict[str, Any]]) -> None:
        if time.monotonic() - last[0] >= interval:
            last[0] = time.monotonic()
            _progress(start, done, len(batches), n_shards, n_instances)

    done = _run_batches(uri, options, batches, datasets, fresh, tick, interval)
    scp: dict[str, set[str]] = defaultdict(set)
    for d in done:
        for rel, lines in d["scp"].items():
            scp[rel].update(lines)
    conflicts = [c for d in done for c in d["conflicts"]]
    audio_ids = 0
    for rel in sorted(scp):
        out: list[str] = []
        last_id = None
        for line in sorted(scp[rel]):  # the lines of one id are adjacent: ids hold no space
            audio_id, path, _ = line.split(" ")
            if audio_id == last_id:
                conflicts.append(f"{rel}: {audio_id}")
                continue
            out.append(f"{audio_id} {path}")
            last_id = audio_id
        audio_ids += len(out)
        root.write_bytes_atomic(rel, ("\n".join(out) + "\n").encode())
    jsonl = {rel for d in done for rel in d["jsonl"]}
    for rel in [*root.find("metadata", ".jsonl"), *root.find("scp_files", ".scp")]:
        if rel not in jsonl and rel not in scp:
            root.remove(rel)  # from shards no longer in the build (a re-export; a fresh one starts empty)
    if conflicts:
        log.warning(
            "%d times an AUDIO_ID carries other audio than in another instance; one of them is stored (e.g. %s)",
            len(conflicts),
            conflicts[0],
        )
    _progress(start, done, len(batches), n_shards, n_instances)
    return {
        "jsonl_files": len(jsonl),
        "instances": sum(d["instances"] for d in done),
        "audio_ids": audio_ids,
        "audio_files_written": sum(d["written"] for d in done),
        "audio_files_kept": sum(d["existing"] for d in done),
        "scp_files": len(scp),
        "conflicts": len(conflicts),
        "seconds": round(time.monotonic() - start, 2),
    }


# -- validation --------------------------------------------------------------------------------------------------


def _shard_keys(root: Root, manifest: Mapping[str, Any]) -> set[str]:
    keys: set[str] = set()
    for entry in manifest.get("shards", []):
        if root.exists(entry["path"]):
            with root.open(entry["path"], "rb") as f:
                keys.update(k for k, _ in read_samples(f))
    return keys


def _decode_problem(root: Root, path: str) -> str | None:
    import soundfile as sf

    try:
        data = root.read_bytes(path)
        info = sf.info(io.BytesIO(data))
        if info.format != "FLAC":
            return f"{path}: {info.format}, not FLAC"
        samples, _ = sf.read(io.BytesIO(data), dtype="float32")
        if len(samples) != info.frames:
            return f"{path}: decodes to {len(samples)} frames, header says {info.frames}"
    except Exception as exc:
        return f"{path}: does not decode as FLAC: {exc}"
    return None


def validate_release(root: Root, manifest: Mapping[str, Any], keys: set[str] | None = None) -> list[str]:
    """Problems with the release layout of a build (empty when it holds).

    ``keys``: the sample keys of the shards when the caller has read them already (validate does).
    """
    problems: list[str] = []
    count = Counter[str]()

    def add(kind: str, msg: str) -> None:
        count[kind] += 1
        if len(problems) < MAX_PROBLEMS:
            problems.append(f"release layout: {msg}")

    if keys is None:
        keys = _shard_keys(root, manifest)
    jsonl_files = list(root.find("metadata", ".jsonl"))
    scp_files = list(root.find("scp_files", ".scp"))
    audio = root.find("audio_files")  # one listing, not a request per referenced file
    if not jsonl_files:
        add("missing", "metadata/ holds no jsonl (`audioflan-ray export URI` writes the layout)")
    scp_re = re.compile(r"^scp_files/([^/]+)/([^/]+)\.scp$")
    resolve: dict[str, str] = {}
    for rel, text in root.read_many(scp_files):
        lines = text.splitlines()
        if lines != sorted(set(lines)):
            add("scp", f"{rel}: lines are not sorted and unique")
        m = scp_re.match(rel)
        folder = f"audio_files/{m.group(1)}/{m.group(2)}/" if m else None
        if folder is None:
            add("scp", f"{rel}: not at scp_files/<domain>/<NN>_<Dataset>.scp")
        for n, line in enumerate(lines, 1):
            parts = line.split(" ")
            if len(parts) != 2 or not _AUDIO_ID_RE.match(parts[0]) or not parts[1].startswith("audio_files/"):
                add("scp", f"{rel}:{n}: not 'AUDIO_ID audio_files/…': {line!r}")
                continue
            audio_id, path = parts
            if folder and not path.startswith(folder):
                add("scp", f"{rel}:{n}: {path} is not under {folder}")
            if path not in audio:
                add("scp", f"{rel}:{n}: {audio_id} -> {path}: no such file")
            if resolve.setdefault(audio_id, path) != path:
                add("scp", f"{rel}:{n}: {audio_id} -> {path}, another line says {resolve[audio_id]}")
    meta_re = re.compile(r"^metadata/([^/]+)/([^/]+)/([^/]+)/(\d{2,})_([^/]+)/jsonl/[^/]+\.jsonl$")
    seen: set[str] = set()
    reported: set[str] = set()
    referenced: set[str] = set()
    lines_total = 0
    for rel, text in root.read_many(jsonl_files):
        m = meta_re.match(rel)
        if m is None:
            add("jsonl", f"{rel}: not at metadata/<domain>/<side>/<train_dev|test>/<NN>_<Dataset>/jsonl/")
        for n, line in enumerate(text.splitlines(), 1):
            lines_total += 1
            where = f"{rel}:{n}"
            try:
                rec = json.loads(line)
                uuid = rec["uuid"]
                place = (rec["domain"], rec["task_type"]["U/G"][0], split_group(rec["split"][0]))
                dataset = rec["other"]["dataset"]
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                add("jsonl", f"{where}: not an Audio-FLAN record ({type(exc).__name__}: {exc})")
                continue
            if uuid not in keys:
                add("jsonl", f"{where}: uuid {uuid!r} is not a sample of the shards")
            elif uuid in seen:
                add("jsonl", f"{where}: uuid {uuid!r} appears twice")
            seen.add(uuid)
            if m is not None and ((m.group(1), m.group(2), m.group(3)) != place or m.group(5) != dataset):
                add("jsonl", f"{where}: {uuid} ({'/'.join(place)}, {dataset}) is in the wrong folder")
            refs = AUDIO_REF.findall(str(rec.get("input", ""))) + AUDIO_REF.findall(str(rec.get("output", "")))
            for audio_id in refs:
                target = resolve.get(audio_id)
                if target is not None and target in audio:
                    referenced.add(target)
                elif audio_id not in reported:  # one message per id, not one per instance using it
                    reported.add(audio_id)
                    why = "is in no .scp line" if target is None else f"resolves to {target}, which does not exist"
                    add("ref", f"{where}: <|SOA|>{audio_id}<|EOA|> {why}")
    want = (manifest.get("totals") or {}).get("instances")
    if lines_total != want:
        add("count", f"{lines_total} jsonl lines, the manifest has {want} instances")
    paths = sorted(referenced)
    step = max(1, len(paths) // DECODE_SAMPLE)
    for path in paths[::step][:DECODE_SAMPLE]:  # evenly over the build, deterministic
        problem = _decode_problem(root, path)
        if problem:
            add("decode", problem)
    hidden = sum(count.values()) - len(problems)
    if hidden > 0:
        problems.append(f"release layout: … and {hidden} more problems ({dict(count)})")
    return problems
