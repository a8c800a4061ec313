"""Shared fixtures. Test tiers: tests/unit (no Ray), tests/ray (local Ray), tests/integration (S3, cluster, k8s)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "audioflan_ray" / "demo" / "samples"
SHARED = REPO.parent / "shared"
SHARED_CORPORA = SHARED / "corpora"


def shared_corpus(name: str) -> Path:
    """A corpus from ../shared/corpora, or a visible skip where that folder is absent."""
    path = SHARED_CORPORA / name
    if not path.is_dir():
        pytest.skip(f"../shared/corpora/{name} absent (not redistributable, so not bundled in samples/)")
    return path


def offline_guard() -> None:
    """Ray probes cloud-metadata addresses at init; only run it under ../shared/tools/offline (or equivalent)."""
    home = Path(os.environ.get("HOME", "/"))
    if not (home / "ray_bootstrap_config.yaml").is_file() or os.environ.get("RAY_USAGE_STATS_ENABLED") != "0":
        pytest.skip("starts Ray: run inside ../shared/tools/offline (loopback only, metadata probe off)")


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audioflan_ray", *args],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
