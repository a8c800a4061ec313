"""The Audio-FLAN release layout beside the shards (contract §5), written by the workers as part of the build.

```
metadata/<domain>/<understanding|generation>/<train_dev|test>/<NN>_<Dataset>/jsonl/<code>-<split>-000000.jsonl
audio_files/<domain>/<NN>_<Dataset>/<xx>/<AUDIO_ID>.flac    one file per AUDIO_ID (xx: 2 hex chars, 256 folders)
scp_files/<domain>/<NN>_<Dataset>.scp                       "AUDIO_ID audio_files/...flac", one line per AUDIO_ID
```

- A jsonl line is the sample's JSON as in the shard. Its folder is placed by the instance: its task's domain and
  side, its split group, its dataset.
- An audio file is placed by the corpus the audio comes from (the AUDIO_ID's ``<NN>_<Dataset>``) and stored once,
  however many instances and domains use it; built audio belongs to the instance's corpus.
- The ``.scp`` files are per domain of the records that reference the audio: every id in ``metadata/<domain>/…`` is
  listed in ``scp_files/<domain>/<NN>_<Dataset>.scp``, so a reader resolves ids within one domain (audio used
  across domains is listed in each).

Each work unit writes its audio files directly and stages its jsonl and scp lines (``ReleaseWriter``); the packer
concatenates the staged lines of consecutive units into the files above (scp lines deduplicated), so nothing of the
layout passes through the driver.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from audioflan_ray import ids
from audioflan_ray.schema import RELEASE_DIRS
from audioflan_ray.storage import Root, StorageOptions
from audioflan_ray.tasks.engine import AUDIO_REF

log = logging.getLogger(__name__)

UNKNOWN_NUMBER = 99  # <NN> of a dataset no recipe of the build describes
MAX_PROBLEMS = 200
DECODE_SAMPLE = 200  # audio files decoded by validate_release (all of them when there are fewer)
JSONL_MAX_BYTES = 64 << 20
_AUDIO_ID_RE = re.compile(r"^[^\s/\\]+$")  # an AUDIO_ID is a file name and one field of an scp line
__all__ = ["RELEASE_DIRS", "ReleaseWriter", "datasets_of", "release_enabled", "validate_release"]


def release_enabled(config: Mapping[str, Any]) -> bool:
    """Whether a build's resolved config asks for the layout."""
    return bool((config.get("output") or {}).get("release_layout", False))


def datasets_of(sources: Iterable[Mapping[str, Any]], options: StorageOptions | None = None) -> dict[str, Any]:
    """Dataset name -> {"domain", "number"} for the sources of a build (the domain from a recipe instance: the generic
    ``manifest`` recipe takes it from its options)."""
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


# -- placement ---------------------------------------------------------------------------------------------------------


def dataset_folder(dataset: str, datasets: Mapping[str, Any], fallback_domain: str) -> tuple[str, str]:
    """(domain, "<NN>_<Dataset>") of a dataset."""
    info = datasets.get(dataset)
    if info is None:
        return fallback_domain, ids.prefix(UNKNOWN_NUMBER, dataset)
    return str(info["domain"]), ids.prefix(int(info["number"]), dataset)


def split_group(split: str) -> str:
    return "test" if split == "test" else "train_dev"


def jsonl_group(rec: Mapping[str, Any], datasets: Mapping[str, Any], code: str) -> str:
    """The jsonl files (without the ``-NNNNNN.jsonl`` tail) a record goes to."""
    domain = str(rec["domain"])
    _, folder = dataset_folder(str(rec["other"]["dataset"]), datasets, domain)
    side = str(rec["task_type"]["U/G"][0])
    split = str(rec["split"][0])
    return f"metadata/{domain}/{side}/{split_group(split)}/{folder}/jsonl/{code}-{split}"


def audio_owner(audio_id: str, dataset: str, datasets: Mapping[str, Any]) -> str:
    """The corpus an AUDIO_ID comes from: its ``<NN>_<Dataset>_`` head (a noise clip of another corpus mixed into
    this one's instance belongs to that corpus); built audio starts with the instance's key, so its corpus's."""
    owners = [d for d, info in datasets.items() if audio_id.startswith(ids.prefix(int(info["number"]), d) + "_")]
    return max(owners, key=len) if owners else dataset


def audio_path(audio_id: str, owner: str, datasets: Mapping[str, Any], fallback_domain: str) -> str:
    domain, folder = dataset_folder(owner, datasets, fallback_domain)
    bucket = hashlib.sha1(audio_id.encode()).hexdigest()[:2]
    return f"audio_files/{domain}/{folder}/{bucket}/{audio_id}.flac"


def scp_file(record_domain: str, owner: str, datasets: Mapping[str, Any]) -> str:
    _, folder = dataset_folder(owner, datasets, record_domain)
    return f"scp_files/{record_domain}/{folder}.scp"


# -- writing ------------------------------------------------------------------------------------------------------


class ReleaseWriter:
    """One unit's part of the layout: audio files written at once, jsonl and scp lines staged for the packer."""

    def __init__(self, root: Root, staging: str, datasets: Mapping[str, Any]):
        self.root, self.staging, self.datasets = root, staging, datasets
        self.jsonl: dict[str, list[bytes]] = defaultdict(list)
        self.scp: dict[str, dict[str, str]] = defaultdict(dict)  # scp file -> AUDIO_ID -> path
        self.written: set[str] = set()

    def add(self, row: Mapping[str, Any]) -> None:
        raw: bytes = row["sample"]
        rec = json.loads(raw)
        code = str(row["folder"]).split("/")[1]
        self.jsonl[jsonl_group(rec, self.datasets, code)].append(raw)
        dataset = str(rec["other"]["dataset"])
        members = dict(row["members"])
        for entry in rec["audio"]:
            audio_id, member = str(entry["id"]), str(entry["member"])
            if not _AUDIO_ID_RE.match(audio_id):
                raise ValueError(f"{row['key']}: AUDIO_ID {audio_id!r} cannot be a file name")
            owner = audio_owner(audio_id, dataset, self.datasets)
            path = audio_path(audio_id, owner, self.datasets, str(rec["domain"]))
            self.scp[scp_file(str(rec["domain"]), owner, self.datasets)][audio_id] = path
            if path not in self.written:
                self.root.write_bytes_atomic(path, members[member])  # same id, same bytes: a rerun rewrites them
                self.written.add(path)

    def close(self) -> dict[str, Any]:
        """Stage the lines; return what the packer needs: per target, the staged file, its bytes and lines."""
        out: dict[str, Any] = {"jsonl": {}, "scp": {}, "audio_files": len(self.written)}
        for group, lines in sorted(self.jsonl.items()):
            data = b"\n".join(lines) + b"\n"
            path = f"{self.staging}/release/{_flat(group)}.jsonl"
            self.root.write_bytes_atomic(path, data)
            out["jsonl"][group] = {"path": path, "bytes": len(data), "lines": len(lines)}
        for target, entries in sorted(self.scp.items()):
            data = "".join(f"{aid} {p}\n" for aid, p in sorted(entries.items())).encode()
            path = f"{self.staging}/release/{_flat(target)}"
            self.root.write_bytes_atomic(path, data)
            out["scp"][target] = {"path": path, "bytes": len(data), "lines": len(entries)}
        return out


def _flat(path: str) -> str:
    return path.replace("/", "__")


def export_shards(
    uri: str, options: StorageOptions, staging: str, shard_paths: list[str], datasets: dict[str, Any]
) -> dict[str, Any]:
    """The release layout's part of some committed shards (``audioflan-ray export``): audio files written, jsonl
    and scp lines staged under ``staging`` for the packer (like a unit's)."""
    from audioflan_ray.sink.tars import read_samples

    root = Root(uri, options)
    writer = ReleaseWriter(root, staging, datasets)
    for shard in shard_paths:
        folder = shard.split("/", 1)[1].rsplit("/", 1)[0]
        with root.open(shard, "rb") as f:
            for key, members in read_samples(f):
                sample = members.pop("json")
                writer.add({"key": key, "folder": folder, "sample": sample, "members": members})
    return writer.close()


# -- validation ------------------------------------------------------------------------------------------------------


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


_META_RE = re.compile(r"^metadata/([^/]+)/([^/]+)/([^/]+)/(\d{2,})_([^/]+)/jsonl/[^/]+\.jsonl$")
_SCP_RE = re.compile(r"^scp_files/([^/]+)/(\d{2,})_([^/]+)\.scp$")


def key_hash(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def validate_release(
    root: Root,
    manifest: Mapping[str, Any],
    key_hashes: Any | None,
    refs: set[tuple[str, str]] | None = None,
) -> list[str]:
    """Problems with the release layout of a build (empty when it holds).

    Every ``<|SOA|>ID<|EOA|>`` resolves through the ``.scp`` files of the record's own domain to an existing audio
    file, and a deterministic sample of the audio files decodes as FLAC. With ``refs`` (the references of the shards a
    sampled validation read), only those are checked. Otherwise every jsonl line is read: each is a record of the
    shards (``key_hashes``: sorted numpy array of the shards' key hashes), in the right folder, once, and the line
    count matches the manifest.
    """
    problems: list[str] = []
    count: Counter[str] = Counter()

    def add(kind: str, msg: str) -> None:
        count[kind] += 1
        if len(problems) < MAX_PROBLEMS:
            problems.append(f"release layout: {msg}")

    scp_files = list(root.find("scp_files", ".scp"))
    audio = root.find("audio_files")  # one listing, not a request per referenced file
    resolve: dict[tuple[str, str], str] = {}  # (domain, AUDIO_ID) -> path
    for rel, text in root.read_many(scp_files):
        m = _SCP_RE.match(rel)
        if m is None:
            add("scp", f"{rel}: not at scp_files/<domain>/<NN>_<Dataset>.scp")
            continue
        domain = m.group(1)
        seen_here: set[str] = set()
        for n, line in enumerate(text.splitlines(), 1):
            parts = line.split(" ")
            if len(parts) != 2 or not _AUDIO_ID_RE.match(parts[0]) or not parts[1].startswith("audio_files/"):
                add("scp", f"{rel}:{n}: not 'AUDIO_ID audio_files/…': {line!r}")
                continue
            audio_id, path = parts
            if audio_id in seen_here:
                add("scp", f"{rel}:{n}: {audio_id} listed twice")
            seen_here.add(audio_id)
            if f"/{m.group(2)}_{m.group(3)}/" not in path:
                add("scp", f"{rel}:{n}: {path} is not under audio_files/<domain>/{m.group(2)}_{m.group(3)}/")
            if path not in audio:
                add("scp", f"{rel}:{n}: {audio_id} -> {path}: no such file")
            if resolve.setdefault((domain, audio_id), path) != path:
                add("scp", f"{rel}:{n}: {audio_id} -> {path}, another line says {resolve[(domain, audio_id)]}")
    referenced: set[str] = set()
    reported: set[tuple[str, str]] = set()

    def check_ref(where: str, domain: str, audio_id: str) -> None:
        target = resolve.get((domain, audio_id))
        if target is not None and target in audio:
            referenced.add(target)
        elif (domain, audio_id) not in reported:  # one message per id, not one per instance using it
            reported.add((domain, audio_id))
            why = f"is in no scp_files/{domain}/*.scp line" if target is None else f"resolves to {target}, missing"
            add("ref", f"{where}: <|SOA|>{audio_id}<|EOA|> {why}")

    if refs is not None:
        for domain, audio_id in sorted(refs):
            check_ref("a sampled shard", domain, audio_id)
    else:
        _check_jsonl(root, manifest, key_hashes, add, check_ref)
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


def _check_jsonl(
    root: Root,
    manifest: Mapping[str, Any],
    key_hashes: Any | None,
    add: Any,
    check_ref: Any,
) -> None:
    import numpy as np

    jsonl_files = list(root.find("metadata", ".jsonl"))
    if not jsonl_files:
        add("missing", "metadata/ holds no jsonl (`audioflan-ray export URI` writes the layout)")
    seen: set[str] = set()
    lines_total = 0
    for rel, text in root.read_many(jsonl_files):
        m = _META_RE.match(rel)
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
            if key_hashes is not None:
                h = np.uint64(key_hash(uuid))
                i = int(np.searchsorted(key_hashes, h))
                if i >= len(key_hashes) or key_hashes[i] != h:
                    add("jsonl", f"{where}: uuid {uuid!r} is not a sample of the shards")
            if uuid in seen:
                add("jsonl", f"{where}: uuid {uuid!r} appears twice")
            seen.add(uuid)
            if m is not None and ((m.group(1), m.group(2), m.group(3)) != place or m.group(5) != dataset):
                add("jsonl", f"{where}: {uuid} ({'/'.join(place)}, {dataset}) is in the wrong folder")
            for audio_id in AUDIO_REF.findall(str(rec.get("input", ""))) + AUDIO_REF.findall(
                str(rec.get("output", ""))
            ):
                check_ref(where, str(rec["domain"]), audio_id)
    want = (manifest.get("totals") or {}).get("instances")
    if lines_total != want:
        add("count", f"{lines_total} jsonl lines, the manifest has {want} instances")
