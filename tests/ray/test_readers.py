"""One build of the bundled samples, loaded where people train: Hugging Face ``datasets`` (every card config by name),
Megatron-Energon's own loader, ``webdataset`` and ``ray.data.read_webdataset``, each decoding the audio."""

from __future__ import annotations

import glob
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile as sf
import yaml

from tests.conftest import offline_guard, run_cli

pytestmark = pytest.mark.ray
TASK = "shards/speech/asr"  # the task folder every reader loads
RATE = 16000


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    offline_guard()
    out = tmp_path_factory.mktemp("readers") / "demo"
    proc = run_cli("build", f"output.uri={out}")  # the default config: the bundled demo
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    shards = pq.read_table(out / "shards.parquet").to_pylist()
    text = (out / "README.md").read_text()
    return {
        "out": out,
        "manifest": manifest,
        "shards": shards,
        "card": text,
        "head": yaml.safe_load(text.split("---\n", 2)[1]),
        "expected": {r["split"]: r["num_samples"] for r in shards if r["path"].startswith(f"{TASK}/")},
    }


def check_audio(samples: Any, rate: int) -> None:
    samples = np.asarray(samples)
    assert rate == RATE and samples.size > RATE // 10 and np.abs(samples).max() > 0


def test_manifest_and_card(build: dict[str, Any]) -> None:
    out, manifest, head = build["out"], build["manifest"], build["head"]
    folders = {r["path"].rsplit("/", 2)[0] for r in build["shards"]}
    assert manifest["card"] == "README.md" and manifest["energon_folders"] == len(folders)
    assert (out / manifest["stats_plot"]).read_bytes()[:4] == b"\x89PNG"
    assert {c["config_name"] for c in head["configs"]} == {f.rsplit("/", 1)[1] for f in folders}
    assert {d["config_name"] for d in head["dataset_info"]} == {c["config_name"] for c in head["configs"]}
    assert f"build id: `{manifest['build_id']}`" in build["card"]
    assert f"python -m audioflan_ray build output.uri={out}" in build["card"]
    assert "> **Non-commercial terms apply**: esc50." in build["card"]
    assert "cc-by-nc-3.0" in head["license"] and "1K<n<10K" in head["size_categories"]


def test_huggingface_datasets_every_card_config(build: dict[str, Any], tmp_path: Path) -> None:
    """Every config loads by name with every field typed; in the ASR task every row's ``audio`` list is typed and
    non-null and every audio it names decodes."""
    datasets = pytest.importorskip("datasets")
    datasets.disable_progress_bars()
    audio_list = datasets.List({"id": datasets.Value("string"), "member": datasets.Value("string")})
    for config in build["head"]["configs"]:
        name = config["config_name"]
        ds = datasets.load_dataset(str(build["out"]), name, cache_dir=str(tmp_path))
        folders = {f["split"]: f["path"].removesuffix("*.tar") for f in config["data_files"]}
        assert set(ds) == set(folders), name
        for split, part in ds.items():
            assert part.features["json"]["audio"] == audio_list, name
            n = sum(r["num_samples"] for r in build["shards"] if r["path"].startswith(folders[split]))
            assert part.num_rows == n, (name, split)
            for rec in part["json"]:
                assert rec["audio"] and all(a["id"] and a["member"] in part.features for a in rec["audio"]), name
    ds = datasets.load_dataset(str(build["out"]), "asr", cache_dir=str(tmp_path))
    assert {s: d.num_rows for s, d in ds.items()} == build["expected"]
    for part in ds.values():
        for row in part:
            for ref in row["json"]["audio"]:
                decoded = row[ref["member"]].get_all_samples()
                check_audio(decoded.data.numpy(), decoded.sample_rate)


def test_energon_loader(build: dict[str, Any]) -> None:
    pytest.importorskip("av", reason="Energon decodes audio with PyAV (megatron-energon[av-decode])")
    from megatron.energon import (
        Cooker,
        DefaultTaskEncoder,
        WorkerConfig,
        get_loader,
        get_train_dataset,
        get_val_dataset,
        stateless,
    )

    @stateless
    def cook(crude: dict[str, Any]) -> dict[str, Any]:
        rec = crude["json"]
        audio = {a["member"]: crude[a["member"]] for a in rec["audio"]}
        return {
            "key": crude["__key__"],
            "subflavors": crude["__subflavors__"],
            "rec": rec,
            "audio": {
                m: (d.get_audio().audio_clips[0].numpy(), d.get_audio_samples_per_second()) for m, d in audio.items()
            },
        }

    class Encoder(DefaultTaskEncoder[Any, Any, Any, Any]):
        cookers = [Cooker(cook, has_subflavors={"code": "asr"})]

        def batch(self, samples: list[Any]) -> list[Any]:
            return samples

    wc = WorkerConfig(rank=0, world_size=1, num_workers=0)
    path = build["out"] / TASK
    train = get_train_dataset(
        path,
        worker_config=wc,
        batch_size=8,
        shuffle_buffer_size=None,
        max_samples_per_sequence=None,
        task_encoder=Encoder(),
        repeat=False,
    )
    test = get_val_dataset(path, split_part="test", worker_config=wc, batch_size=8, task_encoder=Encoder())
    for split, ds in (("train", train), ("test", test)):
        samples = [s for batch in get_loader(ds) for s in batch]
        assert len(samples) == build["expected"][split]
        for s in samples:
            assert s["subflavors"]["task"] == "Automatic Speech Recognition" and s["rec"]["split"] == [split]
            for samples_, rate in s["audio"].values():
                check_audio(samples_, rate)


def test_webdataset(build: dict[str, Any]) -> None:
    import webdataset as wds

    for split, n in build["expected"].items():
        shards = sorted(glob.glob(str(build["out"] / TASK / split / "*.tar")))
        rows = list(wds.WebDataset(shards, shardshuffle=False, empty_check=False).decode())
        assert len(rows) == n
        for row in rows:
            for ref in row["json"]["audio"]:
                audio, rate = sf.read(io.BytesIO(row[ref["member"]]), dtype="float32")
                check_audio(audio, rate)


def test_ray_data_read_webdataset(build: dict[str, Any]) -> None:
    import ray

    ray.init(num_cpus=1, include_dashboard=False)
    try:
        # file_extensions: Energon's <shard>.tar.idx files sit beside the shards
        rows = ray.data.read_webdataset(str(build["out"] / TASK), file_extensions=["tar"]).take_all()
    finally:
        ray.shutdown()
    assert len(rows) == sum(build["expected"].values())
    for row in rows:
        rec = row["json"]
        assert rec["task_type"]["minor"] == ["Automatic Speech Recognition"]
        for ref in rec["audio"]:
            audio, rate = sf.read(io.BytesIO(row[ref["member"]]), dtype="float32")
            check_audio(audio, rate)
