"""What a build on real Ray may touch, and how bad input ends: someone else's folder is refused and left intact,
``--force`` replaces only what the earlier build wrote, duplicates and a cut-off RF64 are quarantined with their
reasons and the output validates. (Faults while running: ``test_faults.py``.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import offline_guard, run_cli
from tests.pipeline_util import bad_input_corpus, sources

pytestmark = pytest.mark.ray

ARGS = [
    sources("ljspeech", "fsdd"),
    "build.tasks=[Automatic Speech Recognition, Speaker Identification]",
    "audio.simulate.noise=null",
    "ray.plan_unit_recordings=8",
    "ray.num_cpus=2",
]


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    offline_guard()
    out = tmp_path_factory.mktemp("safety") / "first"
    proc = run_cli("build", *ARGS, f"output.uri={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_someone_elses_folder_is_refused_even_with_force_and_left_intact(tmp_path: Path) -> None:
    offline_guard()
    out = tmp_path / "theirs"
    for rel in ("shards/keep.tar", "errors/x.jsonl", "stats.json", "notes.txt"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(rel)
    before = files(out)
    for extra in ([], ["--force"]):
        proc = run_cli("build", *ARGS, f"output.uri={out}", *extra)
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert "no audioflan-ray build wrote it" in proc.stderr
        assert files(out) == before


def test_force_over_a_build_keeps_the_users_own_files(first: Path, tmp_path: Path) -> None:
    out = tmp_path / "forced"
    shutil.copytree(first, out)
    mine = {out / "notes.txt": "mine", out / "shards" / "mine.tar": "also mine"}
    for path, text in mine.items():
        path.write_text(text)
    changed = ["output.shard_max_samples=3"]  # another shaping: the earlier build's shards must all go
    refused = run_cli("build", *ARGS, *changed, f"output.uri={out}")
    assert refused.returncode == 2 and "another configuration" in refused.stderr, refused.stderr[-2000:]
    proc = run_cli("build", *ARGS, *changed, f"output.uri={out}", "--force")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert all(path.read_text() == text for path, text in mine.items())
    listed = {s["path"] for s in pq.read_table(out / "shards.parquet").to_pylist()}
    on_disk = {str(p.relative_to(out)) for p in (out / "shards").rglob("*.tar")}
    assert on_disk == listed | {"shards/mine.tar"}  # every shard of the replaced build is gone, the user's stays
    assert listed != {s["path"] for s in pq.read_table(first / "shards.parquet").to_pylist()}
    assert run_cli("validate", str(out)).returncode == 0


def test_duplicates_and_a_cut_off_rf64_are_quarantined_and_the_output_validates(tmp_path: Path) -> None:
    offline_guard()
    corpus = bad_input_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    proc = run_cli(
        "build",
        f"sources=[{{recipe: manifest, root: {corpus}, options: {{domain: speech}}}}]",
        "build.tasks=[Automatic Speech Recognition]",
        "audio.simulate.noise=null",
        "build.max_error_fraction=0.2",
        "ray.num_cpus=2",
        f"output.uri={out}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["instances"] == 30 and summary["errors"] == 2
    stats = json.loads((out / "stats.json").read_text())
    assert stats["errors"]["by_reason"]["duplicate"]["rows"] == 1
    assert stats["errors"]["by_reason"]["truncated"]["rows"] == 1
    errors = [json.loads(x) for f in sorted((out / "errors").glob("*.jsonl")) for x in f.read_text().splitlines()]
    assert ("truncated", "cut") in {(e["type"], e.get("recording_id")) for e in errors}
    assert [e for e in errors if e["type"] == "duplicate" and "'r0'" in e["message"]], errors
    assert run_cli("validate", str(out)).returncode == 0
