"""A build on real Ray under faults, as an operator meets them: SIGTERM, a killed driver, a killed worker, two builds
into one output, a bug in a stage. Each ends as documented, and a rerun gives the uninterrupted build's bytes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO, offline_guard, run_cli

pytestmark = pytest.mark.ray

ARGS = [  # the bundled demo corpora, with enough work per unit to stop a build in the middle of it
    "build.tasks=[Automatic Speech Recognition, Text to Speech, Speaker Verification, Denoising, Declipping, "
    "Dereverberation, Speech Bandwidth Extension]",
    "audio.simulate.noise=null",
    "ray.plan_unit_recordings=8",
    "ray.progress_interval_s=1",
    "ray.num_cpus=2",
]


def shards(out: Path) -> list[tuple[str, str]]:
    return [(s["path"], s["sha256"]) for s in pq.read_table(out / "shards.parquet").to_pylist()]


def ray_pids() -> set[int]:
    """Processes of a Ray instance (raylet, GCS, workers, agents) on this machine."""
    found = set()
    for p in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if any(k in cmd for k in ("raylet", "gcs_server", "default_worker.py", "dashboard/agent", "runtime_env")):
            found.add(p.info["pid"])
    return found


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "audioflan_ray", "build", *ARGS, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def wait_for(proc: subprocess.Popen[str], needle: str, timeout: float = 240) -> list[str]:
    """Read the build's stderr until a line matches the regex ``needle``; returns the lines read."""
    assert proc.stderr is not None
    lines: list[str] = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if re.search(needle, line):
            return lines
    raise AssertionError(f"no {needle!r} in:\n{''.join(lines)[-3000:]}")


def gone(before: set[int], timeout: float = 30) -> set[int]:
    """The Ray processes started since ``before`` that are still alive after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        left = ray_pids() - before
        if not left:
            return set()
        time.sleep(0.5)
    return ray_pids() - before


def kill(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The uninterrupted build every interrupted one must equal."""
    offline_guard()
    out = tmp_path_factory.mktemp("faults") / "reference"
    proc = run_cli("build", *ARGS, f"output.uri={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture
def ray_guard() -> Iterator[set[int]]:
    before = ray_pids()
    yield before
    kill(ray_pids() - before)  # whatever a test's builds left behind (a SIGKILLed driver's Ray)


def test_sigterm_stops_cleanly_and_the_rerun_resumes(reference: Path, tmp_path: Path, ray_guard: set[int]) -> None:
    out = tmp_path / "term"
    proc = start(f"output.uri={out}")
    wait_for(proc, r"\[progress .* units ([3-9]|\d\d+)/")  # some units are done
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-3000:]
    assert "Traceback" not in err and "interrupted by SIGTERM" in err and "Run the same command again" in err
    assert not (out / "manifest.json").exists() and not (out / ".audioflan-lock.json").exists()
    assert gone(ray_guard) == set(), "Ray processes outlived the stopped build"
    rerun = run_cli("build", *ARGS, f"output.uri={out}")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    resumed = int(rerun.stderr.split("already complete (resumed)")[0].rsplit(":", 1)[1].split()[-1])
    assert resumed > 0
    assert shards(out) == shards(reference)


def test_a_killed_driver_leaves_a_lock_taken_over_and_the_rerun_reuses_its_units(
    reference: Path, tmp_path: Path, ray_guard: set[int]
) -> None:
    out = tmp_path / "killed"
    proc = start(f"output.uri={out}")
    wait_for(proc, r"\[progress .* units ([3-9]|\d\d+)/")
    proc.kill()
    proc.wait(timeout=30)
    kill(ray_pids() - ray_guard)  # its orphaned Ray, as an operator would clean up a dead node
    refused = run_cli("build", *ARGS, f"output.uri={out}")
    assert refused.returncode == 2 and "is being written by another build" in refused.stderr
    time.sleep(2)
    rerun = run_cli("build", *ARGS, f"output.uri={out}", "build.lock_stale_s=1", "--take-over-lock")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "taking over the stale lock" in rerun.stderr
    line = next(x for x in rerun.stderr.splitlines() if x.startswith("[units]"))
    assert int(line.split(":", 1)[1].split()[0]) > 0, line  # completed units reused, counted in the log
    assert shards(out) == shards(reference)


def test_a_killed_worker_is_retried_and_the_output_is_unchanged(
    reference: Path, tmp_path: Path, ray_guard: set[int]
) -> None:
    out = tmp_path / "worker"
    proc = start(f"output.uri={out}")
    wait_for(proc, r"\[phase\] audio")
    victims: set[int] = set()
    end = time.monotonic() + 60
    while not victims and time.monotonic() < end:
        # a worker running a unit names itself after its task ("ray::ReadUnitSource->MapBatches(_runner_task)")
        victims = {
            p.pid
            for p in psutil.process_iter(["cmdline"])
            if (p.info["cmdline"] or [""])[0].startswith("ray::") and "MapBatches" in (p.info["cmdline"] or [""])[0]
        }
        time.sleep(0.2)
    assert victims, "no busy worker found"
    kill({sorted(victims)[0]})
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, "\n".join(x for x in err.splitlines() if "[progress" not in x)[-4000:]
    assert shards(out) == shards(reference)
    assert run_cli("validate", str(out)).returncode == 0


def test_two_builds_into_one_output_one_refused_one_commits(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "two"
    a, b = start(f"output.uri={out}"), start(f"output.uri={out}")
    (_, err_a), (_, err_b) = a.communicate(timeout=400), b.communicate(timeout=400)
    codes = sorted([a.returncode, b.returncode])
    assert codes == [0, 2], (err_a[-2000:], err_b[-2000:])
    refused = err_a if a.returncode == 2 else err_b
    assert "is being written by another build" in refused and "pid" in refused
    assert shards(out) == shards(reference)
    assert run_cli("validate", str(out)).returncode == 0
    ours = {".audioflan-build.json", "manifest.json", "shards.parquet", "units.parquet", "release.parquet"}
    ours |= {"stats.json", "stats.png", "README.md", "shards", "errors", "metadata", "scp_files", "audio_files"}
    assert {p.name for p in out.iterdir()} <= ours  # no stray staging, plan or lock files


SITE = """
import os
if os.environ.get("AUDIOFLAN_TEST_BUG"):
    from dataclasses import replace
    from audioflan_ray.pipeline import stages

    def _buggy_setup(cfg):
        def encode(row):
            return [{**row, "flac": row["no_such_column"]}]  # a KeyError: a bug, not bad data
        return encode

    stages.setup_encode = _buggy_setup
    stages.STAGES = tuple(replace(s, setup=_buggy_setup) if s.name == "encode" else s for s in stages.STAGES)
"""


def test_a_bug_in_a_stage_fails_the_build_with_its_traceback(tmp_path: Path, ray_guard: set[int]) -> None:
    offline_guard()
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITE)
    out = tmp_path / "bug"
    env = {"AUDIOFLAN_TEST_BUG": "1", "PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = start(f"output.uri={out}", env=env)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err[-3000:]
    assert "Traceback" in err and "KeyError: 'no_such_column'" in err and "nothing was committed" in err
    assert not (out / "manifest.json").exists()
    stats: Any = out / "stats.json"
    assert not stats.exists()
    assert json.loads((out / ".audioflan-build.json").read_text())["owner"] == "audioflan-ray"
