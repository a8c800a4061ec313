"""A real two-node Ray cluster on 127.0.0.1 (head with the job server + one joined worker node), the build sent
with `ray job submit --working-dir`, reading corpora from and writing shards to the local S3."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLES, offline_guard, run_cli
from tests.integration.conftest import free_port, make_bucket, upload_tree, wait_port

pytestmark = pytest.mark.integration
RAY = Path(sys.executable).with_name("ray")


@pytest.fixture(scope="module")
def cluster(s3_endpoint: str) -> Iterator[dict[str, str]]:
    offline_guard()
    # tools/offline sets RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (bind 127.0.0.1 only), which also refuses a second node;
    # every address here is 127.0.0.1 inside a loopback-only namespace, so multi-node is allowed for this cluster.
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "1",
    }
    port, dash = free_port(), free_port()
    temp = tempfile.mkdtemp(prefix="afr-", dir="/tmp")  # Ray's socket paths must stay short
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats", "--block"]
    procs = [
        subprocess.Popen(
            [
                str(RAY),
                "start",
                "--head",
                f"--port={port}",
                "--include-dashboard=true",
                "--dashboard-host=127.0.0.1",
                f"--dashboard-port={dash}",
                f"--temp-dir={temp}",
                *common,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        wait_port(port, 90)
        wait_port(dash, 90)
        procs.append(
            subprocess.Popen(
                [str(RAY), "start", f"--address=127.0.0.1:{port}", *common],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        end = time.monotonic() + 90
        while time.monotonic() < end:
            status = subprocess.run(
                [str(RAY), "status", f"--address=127.0.0.1:{port}"], env=env, capture_output=True, text=True
            )
            if status.stdout.count("node_") >= 2:
                break
            time.sleep(1)
        else:
            pytest.fail(f"worker node did not join: {status.stdout[-2000:]}")
        yield {"address": f"http://127.0.0.1:{dash}", "gcs": f"127.0.0.1:{port}", "PATH": env["PATH"]}
    finally:
        for p in reversed(procs):  # only the processes this fixture started, by their process group
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(p.pid, signal.SIGKILL)


def submit(cluster: dict[str, str], submission_id: str, *args: str) -> tuple[str, str]:
    env = {**os.environ, "PATH": cluster["PATH"], "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "1"}
    subprocess.run(
        [
            str(RAY),
            "job",
            "submit",
            "--address",
            cluster["address"],
            "--submission-id",
            submission_id,
            "--working-dir",
            str(REPO),
            "--no-wait",
            "--",
            "python",
            "ray_jobs/build_dataset.py",
            *args,
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    from ray.job_submission import JobStatus, JobSubmissionClient

    client = JobSubmissionClient(cluster["address"])
    end = time.monotonic() + 300
    status = client.get_job_status(submission_id)
    while not status.is_terminal() and time.monotonic() < end:
        time.sleep(2)
        status = client.get_job_status(submission_id)
    logs = client.get_job_logs(submission_id)
    return ("SUCCEEDED" if status == JobStatus.SUCCEEDED else str(status)), logs


def test_ray_job_submit_builds_from_s3_to_s3_and_is_idempotent(s3_endpoint: str, cluster: dict[str, str]) -> None:
    for name in ("librispeech", "vctk", "esc50"):
        upload_tree(s3_endpoint, SAMPLES / name, f"s3://cluster-corpora/{name}")
    make_bucket(s3_endpoint, "cluster-out")
    args = [
        "sources=[{recipe: librispeech, root: s3://cluster-corpora/librispeech}, "
        "{recipe: vctk, root: s3://cluster-corpora/vctk}, {recipe: esc50, root: s3://cluster-corpora/esc50}]",
        "output.uri=s3://cluster-out/build",
        "ray.plan_unit_recordings=2",
        "ray.progress_interval_s=1",
    ]
    start = time.monotonic()
    status, logs = submit(cluster, "audioflan-test-1", *args)
    wall = time.monotonic() - start
    assert status == "SUCCEEDED", logs[-4000:]
    assert "[progress" in logs and " rec/s, " in logs and "[phases] plan" in logs
    summary = json.loads(logs.strip().splitlines()[-1])
    assert summary["output"] == "s3://cluster-out/build" and summary["instances"] > 0 and summary["errors"] == 0
    print(f"cluster submission wall time: {wall:.1f} s")
    proc = run_cli("validate", "s3://cluster-out/build")
    assert proc.returncode == 0, proc.stderr[-3000:]

    import s3fs

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint}, skip_instance_cache=True)
    manifest = fs.cat("s3://cluster-out/build/manifest.json")
    status, logs = submit(cluster, "audioflan-test-2", *args)  # the same job submitted again
    assert status == "SUCCEEDED", logs[-4000:]
    assert "already complete" in logs
    assert fs.cat("s3://cluster-out/build/manifest.json") == manifest
