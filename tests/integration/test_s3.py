"""Object storage to object storage: corpora in a local S3 (moto on 127.0.0.1) in, shards to another bucket out."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
import soundfile as sf

from tests.conftest import SAMPLES, offline_guard, run_cli
from tests.integration.conftest import SECRET, make_bucket, upload_tree

pytestmark = pytest.mark.integration

CORPORA = {
    "librispeech": "librispeech",
    "ljspeech": "ljspeech",
    "esc50": "esc50",
    "nsynth": "nsynth",
    "common_voice": "common_voice",
}


def sources() -> str:
    return "sources=[" + ", ".join(f"{{recipe: {r}, root: s3://corpora/{d}}}" for r, d in CORPORA.items()) + "]"


@pytest.fixture(scope="module")
def s3_build(s3_endpoint: str) -> dict[str, Any]:
    offline_guard()
    for name in CORPORA.values():
        upload_tree(s3_endpoint, SAMPLES / name, f"s3://corpora/{name}")
    make_bucket(s3_endpoint, "datasets")
    proc = run_cli("build", sources(), "output.uri=s3://datasets/demo")
    assert proc.returncode == 0, proc.stderr[-4000:]
    return {"proc": proc, "summary": json.loads(proc.stdout.strip().splitlines()[-1])}


def test_build_from_s3_to_s3_validates_there_and_equals_a_local_build(
    s3_endpoint: str, s3_build: dict[str, Any], tmp_path: Any
) -> None:
    import pyarrow.parquet as pq
    import s3fs

    from tests.pipeline_util import build, load, shard_bytes

    s = s3_build["summary"]
    assert s["output"] == "s3://datasets/demo" and s["errors"] == 0
    proc = run_cli("validate", "s3://datasets/demo")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1])["instances"] == s["instances"]
    # the same corpora from local disk give the same bytes: where a corpus lives is no part of the output
    local = "sources=[" + ", ".join(f"{{recipe: {r}, root: {SAMPLES / d}}}" for r, d in CORPORA.items()) + "]"
    build(load(tmp_path / "local", local))
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint}, skip_instance_cache=True)
    with fs.open("datasets/demo/shards.parquet", "rb") as f:
        remote = {r["path"]: r["sha256"] for r in pq.read_table(f).to_pylist()}
    assert remote == shard_bytes(tmp_path / "local")


def test_no_staging_left_and_manifest_written_last(s3_endpoint: str, s3_build: dict[str, Any]) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint}, skip_instance_cache=True)
    keys = fs.find("datasets/demo")
    assert not [k for k in keys if "/_staging/" in k or "/_plan/" in k]
    import pyarrow.parquet as pq

    with fs.open("datasets/demo/shards.parquet", "rb") as f:
        index = pq.read_table(f).to_pylist()
    assert sorted(s["path"] for s in index) == sorted(k[len("datasets/demo/") :] for k in keys if k.endswith(".tar"))
    assert fs.info("datasets/demo/manifest.json")["LastModified"] >= max(
        fs.info(k)["LastModified"] for k in keys if not k.endswith("manifest.json")
    )


def test_credentials_never_reach_logs_or_manifest(s3_endpoint: str, s3_build: dict[str, Any]) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint}, skip_instance_cache=True)
    proc = s3_build["proc"]
    for text in (
        proc.stdout,
        proc.stderr,
        fs.cat("datasets/demo/manifest.json").decode(),
        fs.cat("datasets/demo/stats.json").decode(),
    ):
        assert SECRET not in text and "AKIATESTONLY" not in text


def test_read_back_from_s3_with_webdataset_and_ray(s3_endpoint: str, s3_build: dict[str, Any]) -> None:
    import importlib

    import fsspec
    import webdataset as wds

    gopen = importlib.import_module("webdataset.gopen")  # the module, not the function the package re-exports

    fs = fsspec.filesystem("s3", client_kwargs={"endpoint_url": s3_endpoint}, skip_instance_cache=True)
    # webdataset has no s3:// opener of its own: register one backed by fsspec
    gopen.gopen_schemes["s3"] = lambda url, mode="rb", bufsize=8192, **kw: fs.open(url, mode)
    urls = sorted("s3://" + p for p in fs.glob("datasets/demo/shards/speech/asr/**/*.tar"))
    n = 0
    for sample in wds.WebDataset(urls, shardshuffle=False, empty_check=False):
        rec = json.loads(sample["json"])
        assert rec["task_type"]["minor"] == ["Automatic Speech Recognition"]
        assert sf.info(io.BytesIO(sample["input.flac"])).samplerate == 16000
        n += 1
    stats = json.loads(fs.cat("datasets/demo/stats.json"))
    assert n == stats["by_task"]["Automatic Speech Recognition"]["instances"] > 0

    import pyarrow.fs as pafs
    import ray

    s3 = pafs.S3FileSystem(
        endpoint_override=s3_endpoint.removeprefix("http://"),
        scheme="http",
        access_key="AKIATESTONLY",
        secret_key=SECRET,
        region="us-east-1",
    )
    if not ray.is_initialized():
        ray.init(num_cpus=1, include_dashboard=False)
    try:
        rows = ray.data.read_webdataset(
            "datasets/demo/shards/speech/lid", filesystem=s3, decoder=None, file_extensions=["tar"]
        ).take_all()
        assert len(rows) == stats["by_task"]["Language Identification"]["instances"]
    finally:
        ray.shutdown()


def test_nightly_writes_a_dated_prefix_and_moves_latest_only_after_success(
    s3_endpoint: str, s3_build: dict[str, Any]
) -> None:
    import s3fs

    from tests.conftest import REPO

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint}, skip_instance_cache=True)
    import subprocess
    import sys

    def nightly(date: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "ray_jobs/nightly.py",
                "--date",
                date,
                "sources=[{recipe: librispeech, root: s3://corpora/librispeech}]",
                "audio.simulate.noise=null",
                "output.uri=s3://datasets/nightly",
                *extra,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )

    proc = nightly("2026-11-25")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert fs.cat("datasets/nightly/LATEST").decode().strip() == "s3://datasets/nightly/2026-11-25"
    again = nightly("2026-11-25")  # a second submission of the same night
    assert again.returncode == 0 and "already complete" in again.stderr
    nxt = nightly("2026-11-26")  # the next night reuses every unchanged unit of the last one
    assert nxt.returncode == 0, nxt.stderr[-3000:]
    assert re.search(r"\[units\] (\d+) planned: 0 already complete \(resumed\), \1 reused from", nxt.stderr), nxt.stderr
    assert fs.cat("datasets/nightly/LATEST").decode().strip() == "s3://datasets/nightly/2026-11-26"
    bad = nightly("2026-11-27", "sources.0.root=s3://corpora/missing-corpus")
    assert bad.returncode != 0
    assert fs.cat("datasets/nightly/LATEST").decode().strip() == "s3://datasets/nightly/2026-11-26"
    assert not fs.exists("datasets/nightly/2026-11-27/manifest.json")
