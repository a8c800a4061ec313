"""Whole builds in this process (no Ray: ``LocalExecutor``), and reading what they wrote, for the pipeline's tests.

The work functions are the ones Ray runs; only the scheduling differs, so these builds give the same bytes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import soundfile as sf

from audioflan_ray import config
from audioflan_ray.config import Config
from audioflan_ray.pipeline.build import BuildResult, run_build
from audioflan_ray.pipeline.executor import LocalExecutor
from audioflan_ray.sink.tars import read_samples
from tests.conftest import SAMPLES


def sources(*names: str, limit: int | None = None) -> str:
    """A ``sources=[...]`` override over bundled sample corpora."""
    lim = f", limit: {limit}" if limit else ""
    roots = {"common_voice": SAMPLES / "common_voice/cv-corpus-6.1-2020-12-11"}
    items = ", ".join(f"{{recipe: {n}, root: {roots.get(n, SAMPLES / n)}{lim}}}" for n in names)
    return f"sources=[{items}]"


def load(uri: Path | str, *overrides: str) -> Config:
    return config.load(None, [f"output.uri={uri}", *overrides])


def build(cfg: Config) -> BuildResult:
    return run_build(cfg, executor=LocalExecutor())


def shard_index(out: Path) -> list[dict[str, Any]]:
    return list(pq.read_table(out / "shards.parquet").to_pylist())


def samples(out: Path) -> list[tuple[dict[str, Any], dict[str, bytes]]]:
    """Every sample of a build as (record, members), shard by shard in index order."""
    found = []
    for entry in shard_index(out):
        with open(out / entry["path"], "rb") as f:
            for _key, members in read_samples(f):
                found.append((json.loads(members["json"]), members))
    return found


def shard_bytes(out: Path) -> dict[str, str]:
    """Shard path -> sha256, the whole build's bytes in one comparable value."""
    return {e["path"]: e["sha256"] for e in shard_index(out)}


def instances(cfg: Config) -> list[tuple[dict[str, Any], dict[str, bytes]]]:
    """Build ``cfg`` in this process and return its samples; fails when anything was quarantined."""
    result = build(cfg)
    out = Path(cfg.output.uri)
    assert result.summary["errors"] == 0, (out / "errors").glob("*.jsonl") and [
        x for f in sorted((out / "errors").glob("*.jsonl")) for x in f.read_text().splitlines()
    ]
    return samples(out)


def manifest_corpus(root: Path, rows: list[tuple[str, Path]], dup: bool = False) -> None:
    """A ``manifest``-recipe corpus of ``rows`` (recording id, source wav; a missing source stays missing), all in
    train, each transcript its id; ``dup`` repeats the first recording id."""
    lines = []
    for rid, src in rows:
        dst = root / src.name
        root.mkdir(parents=True, exist_ok=True)
        if src.exists():
            shutil.copyfile(src, dst)
        lines.append({"recording_id": rid, "audio": src.name, "split": "train", "meta": {"transcript": rid}})
    if dup:
        lines.append(dict(lines[0]))
    (root / "manifest.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))


def bad_input_corpus(root: Path) -> Path:
    """30 good FSDD clips, one recording id listed twice, and an RF64 file cut to a third of its length (``cut``)."""
    clips = sorted((SAMPLES / "fsdd/recordings").glob("*.wav"))[:30]
    manifest_corpus(root, [(f"r{i}", p) for i, p in enumerate(clips)], dup=True)
    x, rate = sf.read(SAMPLES / "ljspeech/LJSpeech-1.1/wavs/LJ001-0002.wav", dtype="float32")
    rf64 = root / "cut.wav"
    sf.write(rf64, x, rate, format="RF64", subtype="PCM_16")
    rf64.write_bytes(rf64.read_bytes()[: rf64.stat().st_size // 3])
    with open(root / "manifest.jsonl", "a") as f:
        f.write(
            json.dumps({"recording_id": "cut", "audio": "cut.wav", "split": "train", "meta": {"transcript": "x"}})
            + "\n"
        )
    return root
