"""The wheel works alone: built from the sources, installed into a fresh venv, it builds the bundled demo from any
directory (the default config, the samples, the task table and the templates are package data)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, offline_guard

pytestmark = pytest.mark.integration
SOURCES = ("pyproject.toml", "README.md", "NOTICE", "audioflan_ray")


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_wheel_installs_into_a_fresh_venv_and_builds_the_demo(tmp_path: Path) -> None:
    offline_guard()  # the build starts Ray
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:  # a copy: building writes build/ and *.egg-info next to the sources
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(REPO / name, src / name)
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(src)])
    (wheel,) = dist.glob("audioflan_ray-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {p.relative_to(REPO).as_posix() for p in (REPO / "audioflan_ray/demo").rglob("*") if p.is_file()}
    assert bundled - names == set(), "demo files missing from the wheel"
    assert {
        "audioflan_ray/tasks/audioflan_tasks.csv",
        "audioflan_ray/tasks/templates/automatic_speech_recognition.yaml",
    } <= names

    # A fresh venv; the heavy dependencies (torch, ray...) come from this interpreter's site-packages through a .pth
    # file added after the install, so pip neither sees nor touches the environment running the tests.
    # No PYTHONPATH: a source tree on it (with its *.egg-info) would read as "already installed".
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env=env)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)]
    assert "Successfully installed audioflan-ray" in run(pip, env=env).stdout
    purelib = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env).stdout.strip()
    )
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (purelib / "zz_test_dependencies.pth").write_text("\n".join(deps) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run([str(python), "-c", "import audioflan_ray; print(audioflan_ray.__file__)"], cwd=elsewhere, env=env)
    assert where.stdout.strip().startswith(str(purelib)), where.stdout

    proc = run([str(venv / "bin" / "audioflan-ray"), "build", "output.uri=out/demo"], cwd=elsewhere, env=env)
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(summary) == {"output", "instances", "shards", "audio_hours", "errors"}
    assert summary["output"] == "out/demo" and summary["instances"] > 900 and summary["errors"] == 0
    out = elsewhere / "out" / "demo"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"]["instances"] == summary["instances"] and manifest["energon_folders"] > 0
    assert (out / "README.md").read_text().startswith("---\n") and (
        out / "shards/speech/asr/.nv-meta/.info.json"
    ).is_file()
