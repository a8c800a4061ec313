"""The sink and commit step without Ray: determinism, merge of a unit split across write tasks, and validate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from audioflan_ray.sink.datasink import WebDatasetSink

from audioflan_ray import config
from audioflan_ray.config import Config
from audioflan_ray.pipeline.build import make_committer
from audioflan_ray.pipeline.plan import make_plan
from audioflan_ray.pipeline.stages import PLAN_COLUMNS, STAGES, check_columns, run_rows, schema_of
from audioflan_ray.sink.commit import Committer
from audioflan_ray.validate import validate
from tests.conftest import SAMPLES


def _cfg(uri: str) -> Config:
    return config.load(
        None,
        [
            f"output.uri={uri}",
            "output.shard_max_samples=3",
            "ray.plan_unit_recordings=4",
            "audio.simulate.noise=null",  # the demo's noise corpus (esc50) is not among these sources
            # Four one-audio tasks and a built two-audio one (generated noise), enough for the sink's paths.
            "build.tasks=[Automatic Speech Recognition, Text to Speech, Language Identification, "
            "Speaker Identification, Denoising]",
            f"sources=[{{recipe: librispeech, root: {SAMPLES / 'librispeech'}}}, "
            f"{{recipe: ljspeech, root: {SAMPLES / 'ljspeech'}, limit: 6}}]",
        ],
    )


def instance_rows(cfg: Config) -> tuple[list[dict[str, Any]], list[str], Committer]:
    plan = make_plan(cfg)
    rows = [r for t in plan.units for r in t.to_pylist()]
    cols = list(PLAN_COLUMNS)
    for stage in STAGES:
        cols = check_columns((stage,), tuple(cols))
        rows = run_rows(stage, stage.setup(cfg), rows, cols)
    committer = make_committer(cfg, plan)
    return rows, cols, committer


def _write(rows: list[dict[str, Any]], cols: list[str], committer: Committer, cuts: list[int]) -> dict[str, Any]:
    sink = WebDatasetSink(committer)
    returns = []
    bounds = [0, *cuts, len(rows)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        block = pa.Table.from_pylist(rows[a:b], schema=schema_of(cols))
        returns.append(sink.write([block], None))
    return committer.commit(returns)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("sink")
    one = str(base / "one")
    rows, cols, committer = instance_rows(_cfg(one))
    result = _write(rows, cols, committer, [])
    return {"base": base, "rows": rows, "cols": cols, "one": one, "result": result}


def _shards(uri: str) -> list[tuple[str, str]]:
    m = json.loads((Path(uri) / "manifest.json").read_text())
    return [(s["path"], s["sha256"]) for s in m["shards"]]


def test_a_unit_split_across_write_tasks_gives_the_same_shards(built: dict[str, Any]) -> None:
    two = str(built["base"] / "two")
    rows, cols, committer = instance_rows(_cfg(two))
    # cut in the middle of units, and in an order Ray could produce
    _write(rows, cols, committer, [5, 11, 17])
    assert _shards(two) == _shards(built["one"])
    stats_one = json.loads((Path(built["one"]) / "stats.json").read_text())
    stats_two = json.loads((Path(two) / "stats.json").read_text())
    assert stats_one["by_task"] == stats_two["by_task"]
    assert len(_shards(two)) > 5
    assert not (Path(two) / "_staging").exists()


def test_commit_writes_stats_and_a_valid_manifest(built: dict[str, Any]) -> None:
    one = Path(built["one"])
    manifest = json.loads((one / "manifest.json").read_text())
    assert manifest["format"] == "audioflan-ray/1"
    assert manifest["totals"]["instances"] == built["result"]["instances"] > 0
    stats = json.loads((one / "stats.json").read_text())
    assert stats["by_source"]["librispeech"]["instances"] == 4 * 5  # 4 utterances x ASR, TTS, LID, spk id, denoise
    for task, entry in stats["by_task"].items():
        assert entry["distinct_instructions"] == len(entry["variant_share"]) >= 1, task
        assert abs(sum(entry["variant_share"].values()) - 1.0) < 1e-3
    report = validate(str(one))
    assert report["ok"], report["problems"]


def _copy(src: str, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_validate_names_a_truncated_altered_or_missing_shard(built: dict[str, Any]) -> None:
    base = built["base"]
    shards = [p for p, _ in _shards(built["one"])]
    cases = {}
    d = _copy(built["one"], base / "trunc")
    f = d / shards[0]
    f.write_bytes(f.read_bytes()[:700])
    cases["trunc"] = (d, shards[0])
    d = _copy(built["one"], base / "alter")
    f = d / shards[1]
    data = bytearray(f.read_bytes())
    data[600] ^= 0xFF
    f.write_bytes(bytes(data))
    cases["alter"] = (d, shards[1])
    d = _copy(built["one"], base / "missing")
    (d / shards[2]).unlink()
    cases["missing"] = (d, shards[2])
    for name, (d, shard) in cases.items():
        report = validate(str(d))
        assert not report["ok"], name
        assert any(shard in p for p in report["problems"]), (name, report["problems"])


def test_validate_catches_a_broken_reference(built: dict[str, Any], tmp_path: Path) -> None:
    from audioflan_ray.sink.tars import PieceWriter, Sample, read_samples

    d = _copy(built["one"], tmp_path / "ref")
    manifest = json.loads((d / "manifest.json").read_text())
    entry = manifest["shards"][0]
    with open(d / entry["path"], "rb") as f:
        samples = list(read_samples(f))
    key, members = samples[0]
    rec = json.loads(members["json"])
    rec["input"] = rec["input"].replace("<|SOA|>", "<|SOA|>x")
    members["json"] = json.dumps(rec).encode()
    writer = PieceWriter(
        lambda p: open(d / p, "wb"),  # noqa: SIM115 (PieceWriter closes it)
        lambda k: entry["path"],
        1 << 40,
        1 << 30,
    )
    for k, m in samples:
        writer.write(Sample(key=k, members=m))
    piece = writer.close()[0]
    entry["sha256"], entry["num_bytes"] = piece.sha256, piece.num_bytes
    (d / "manifest.json").write_text(json.dumps(manifest))
    report = validate(str(d))
    assert not report["ok"]
    assert any("is not a key of audio" in p for p in report["problems"])


def test_folder_shape_lets_null_stand_for_an_absent_value_but_not_another_type() -> None:
    from audioflan_ray.validate import _compatible, _merge, _structure

    partner = _structure({"other": {"built": {"bed_offset": 1200, "noise": "partner"}}})
    generated = _structure({"other": {"built": {"bed_offset": None, "noise": "generated"}}})
    assert _compatible(generated, partner) and _merge(generated, partner) == partner
    assert not _compatible(partner, _structure({"other": {"built": {"bed_offset": "1200", "noise": "partner"}}}))
    assert not _compatible(partner, _structure({"other": {"built": {"noise": "partner"}}}))
