"""Whole builds without Ray (the same work functions, run in this process): packing, commit, determinism, resume,
incremental reuse, the release layout, validate, stats, and what a build may touch."""

from __future__ import annotations

import json
import re
import shutil
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audioflan_ray import cli
from audioflan_ray.errors import LockHeld, OutputRefused, TransientError
from audioflan_ray.pipeline.build import ErrorRateExceeded, run_export
from audioflan_ray.pipeline.executor import LocalExecutor
from audioflan_ray.pipeline.unit_runner import UnitRunner
from audioflan_ray.report import plot
from audioflan_ray.schema import LOCK, MARKER
from audioflan_ray.storage import Root
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.validate import validate
from tests.conftest import SAMPLES
from tests.pipeline_util import (
    bad_input_corpus,
    build,
    load,
    manifest_corpus,
    samples,
    shard_bytes,
    shard_index,
    sources,
)

TASKS = (
    "build.tasks=[Automatic Speech Recognition, Text to Speech, Language Identification, Speaker Verification, "
    "Denoising]"
)
RELEASE = ("metadata", "scp_files", "audio_files")


def overrides(*extra: str) -> list[str]:
    return [
        sources("librispeech", "vctk", "ljspeech", limit=6)[:-1]
        + f", {{recipe: fsdd, root: {SAMPLES / 'fsdd'}, limit: 30}}]",
        TASKS,
        "audio.simulate.noise=null",
        "output.shard_max_samples=3",
        "ray.plan_unit_recordings=3",
        *extra,
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("pipeline")
    out = base / "out"
    result = build(load(out, *overrides()))
    return {"base": base, "out": out, "result": result}


def copy(built: dict[str, Any], name: str) -> Path:
    d = built["base"] / name
    shutil.copytree(built["out"], d)
    return d


# -- the build ---------------------------------------------------------------------------------------------------------


def test_a_build_commits_a_small_manifest_and_validates(built: dict[str, Any]) -> None:
    out, s = built["out"], built["result"].summary
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "audioflan-ray/2" and manifest["shard_index"] == "shards.parquet"
    assert manifest["num_shards"] == len(shard_index(out)) == s["shards"] > 3
    assert manifest["totals"]["instances"] == s["instances"] == len(samples(out)) > 40
    assert (out / "manifest.json").stat().st_size < 12_000  # no per-shard list: small whatever the build's size
    assert not (out / "_staging").exists() and not (out / "_plan").exists()
    report = validate(str(out))
    assert report["ok"], report["problems"]


def test_shards_are_full_and_folders_homogeneous(built: dict[str, Any]) -> None:
    by_folder: dict[str, list[dict[str, Any]]] = {}
    for e in shard_index(built["out"]):
        by_folder.setdefault(e["path"].rsplit("/", 1)[0], []).append(e)
        assert re.fullmatch(r"shards/(speech|music|audio)/[a-z0-9]+/(train|dev|test)/shard-\d{6}\.tar", e["path"])
    for folder, shards in by_folder.items():
        counts = [e["num_samples"] for e in sorted(shards, key=lambda e: e["path"])]
        assert all(n == 3 for n in counts[:-1]) and 1 <= counts[-1] <= 3, (folder, counts)  # filled, then the rest
    assert any(len(v) > 1 for v in by_folder.values())


def test_records_follow_format_2(built: dict[str, Any]) -> None:
    for rec, members in samples(built["out"]):
        assert isinstance(rec["audio"], list) and rec["audio"], rec["uuid"]
        for entry in rec["audio"]:
            assert set(entry) == {"id", "member"} and entry["member"] in members
            assert re.fullmatch(r"\d{2,}_[a-z0-9_]+_[0-9a-f]{16}(_[a-z_0-9]+)?", entry["id"]) or entry["id"].startswith(
                rec["uuid"]
            )
        assert re.fullmatch(r"\d{2,}_[a-z0-9_]+_[0-9a-f]{20}", rec["uuid"])
        assert rec["other"]["recording_id"] not in rec["uuid"]  # opaque ids: the corpus id is in other only


def test_a_rebuild_is_byte_identical_and_a_rerun_does_nothing(built: dict[str, Any]) -> None:
    again = built["base"] / "again"
    build(load(again, *overrides()))
    assert shard_bytes(again) == shard_bytes(built["out"])
    rerun = build(load(built["out"], *overrides()))
    assert rerun.skipped and rerun.summary == built["result"].summary


def test_shard_bytes_cut_between_samples(built: dict[str, Any]) -> None:
    out = built["base"] / "bytes"
    build(load(out, *overrides("output.shard_max_samples=1000", "output.shard_max_bytes=300000")))
    index = shard_index(out)
    assert len(index) > len(shard_index(built["out"])) / 3
    for e in index:
        assert e["num_bytes"] <= 300000 + 1024 or e["num_samples"] == 1, e  # + the tar end marker
    assert validate(str(out))["ok"]
    # the same samples in the same order as the sample-count build
    assert [r["uuid"] for r, _ in samples(out)] == [r["uuid"] for r, _ in samples(built["out"])]


# -- resume and incremental builds -------------------------------------------------------------------------------------


def test_a_failed_build_resumes_from_its_completed_units(
    built: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = built["base"] / "resume"
    calls = {"n": 0}
    original = UnitRunner.__call__

    def flaky(self: UnitRunner, batch: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise TransientError("the store went away")
        return original(self, batch)

    monkeypatch.setattr(UnitRunner, "__call__", flaky)
    with pytest.raises(TransientError):
        build(load(out, *overrides()))
    assert not (out / "manifest.json").exists() and len(list((out / "_staging/units").glob("*/done.json"))) == 2
    monkeypatch.setattr(UnitRunner, "__call__", original)
    result = build(load(out, *overrides()))
    assert result.units_reused == 2 and result.units_built == built["result"].units_built - 2
    assert shard_bytes(out) == shard_bytes(built["out"])


def _corpus(root: Path, clips: list[tuple[str, Path]]) -> None:
    """A manifest corpus of real clips (one speaker each, so pairs link across them)."""
    lines = []
    for i, (rid, src) in enumerate(clips):
        dst = root / "clips" / f"{rid}{src.suffix}"
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        meta = {"transcript": f"utterance {rid}", "speaker": f"s{i % 4}", "language": "English"}
        lines.append(json.dumps({"recording_id": rid, "audio": f"clips/{dst.name}", "split": "train", "meta": meta}))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")


def test_an_incremental_build_reuses_unchanged_units_and_equals_a_fresh_one(tmp_path: Path) -> None:
    wavs = sorted((SAMPLES / "fsdd/recordings").glob("*.wav"))[:40]
    corpus = tmp_path / "corpus"
    _corpus(corpus, [(f"r{i:03d}", p) for i, p in enumerate(wavs[:36])])
    opts = [
        f"sources=[{{recipe: manifest, root: {corpus}, options: {{domain: speech}}}}]",
        "build.tasks=[Automatic Speech Recognition, Text to Speech, Speaker Verification]",
        "audio.simulate.noise=null",
        "ray.plan_unit_recordings=4",
        "output.release_layout=true",
    ]
    night1 = tmp_path / "night1"
    first = build(load(night1, *opts))
    # the next night: one recording's audio changed, one added at the end
    shutil.copyfile(wavs[37], corpus / "clips/r005.wav")
    _corpus_add = (corpus / "manifest.jsonl").read_text() + json.dumps(
        {
            "recording_id": "r999",
            "audio": "clips/r999.wav",
            "split": "train",
            "meta": {"transcript": "t", "speaker": "s1"},
        }
    )
    shutil.copyfile(wavs[38], corpus / "clips/r999.wav")
    (corpus / "manifest.jsonl").write_text(_corpus_add + "\n")
    night2 = tmp_path / "night2"
    second = build(load(night2, *opts, f"build.reuse_from={night1}"))
    fresh = tmp_path / "fresh"
    build(load(fresh, *opts))
    assert second.units_adopted > 0 and second.units_built < first.units_built / 2, (second, first)
    assert shard_bytes(night2) == shard_bytes(fresh)
    assert validate(str(night2))["ok"]
    files = sorted(str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file() and "audio_files" in p.parts)
    assert files == sorted(
        str(p.relative_to(night2)) for p in night2.rglob("*") if p.is_file() and "audio_files" in p.parts
    )


# -- the release layout ------------------------------------------------------------------------------------------------


def test_release_layout_follows_the_contract_and_resolves_within_each_domain(built: dict[str, Any]) -> None:
    out = built["out"]
    records = {r["uuid"]: json.dumps(r, ensure_ascii=False).encode() for r, _ in samples(out)}
    path_re = re.compile(
        r"^metadata/(speech|music|audio)/(understanding|generation)/(train_dev|test)/\d{2,}_\w+/jsonl/"
    )
    lines: list[bytes] = []
    for f in sorted((out / "metadata").rglob("*.jsonl")):
        assert path_re.match(str(f.relative_to(out))), f
        lines += f.read_bytes().splitlines()
    assert sorted(json.loads(x)["uuid"] for x in lines) == sorted(records)
    scp: dict[tuple[str, str], str] = {}
    for f in sorted((out / "scp_files").rglob("*.scp")):
        domain = f.parent.name
        for line in f.read_text().splitlines():
            audio_id, path = line.split(" ")
            assert (domain, audio_id) not in scp and (out / path).is_file()
            scp[(domain, audio_id)] = path
    for x in lines:
        rec = json.loads(x)
        refs = re.findall(r"<\|SOA\|>([^<]+)<\|EOA\|>", rec["input"] + rec["output"])
        assert refs and sorted(refs) == sorted(a["id"] for a in rec["audio"])
        assert all((rec["domain"], r) in scp for r in refs), rec["uuid"]
    stored = list((out / "audio_files").rglob("*.flac"))
    assert len(stored) == len({a for _, a in scp})  # each AUDIO_ID stored once


def test_export_rewrites_the_same_layout(built: dict[str, Any]) -> None:
    def files(d: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(d)): p.read_bytes() for n in RELEASE for p in sorted((d / n).rglob("*")) if p.is_file()
        }

    d = copy(built, "export")
    before = files(d)
    for name in RELEASE:
        shutil.rmtree(d / name)
    from audioflan_ray.config import Config

    run_export(str(d), None, Config(), executor=LocalExecutor())  # type: ignore[arg-type]
    assert files(d) == before
    assert validate(str(d))["ok"]


def test_release_off_removes_the_replaced_builds_layout_only(built: dict[str, Any]) -> None:
    d = copy(built, "off")
    (d / "notes.txt").write_text("mine")
    (d / "metadata/mine.txt").write_text("mine too")
    build(load(d, *overrides("output.release_layout=false", "build.force=true")))
    assert not list((d / "metadata").rglob("*.jsonl")) and not list((d / "audio_files").rglob("*.flac"))
    assert (d / "notes.txt").read_text() == "mine" and (d / "metadata/mine.txt").read_text() == "mine too"
    assert validate(str(d))["ok"]


# -- validate ----------------------------------------------------------------------------------------------------------


def test_validate_names_a_truncated_altered_or_missing_shard(built: dict[str, Any]) -> None:
    paths = [e["path"] for e in shard_index(built["out"])]
    for name, shard, hurt in (
        ("trunc", paths[0], lambda f: f.write_bytes(f.read_bytes()[:700])),
        ("alter", paths[1], lambda f: f.write_bytes(f.read_bytes()[:600] + b"X" + f.read_bytes()[601:])),
        ("missing", paths[2], lambda f: f.unlink()),
    ):
        d = copy(built, name)
        hurt(d / shard)
        report = validate(str(d))
        assert not report["ok"] and any(shard in p for p in report["problems"]), (name, report["problems"])


def test_validate_names_a_deleted_audio_file_and_a_broken_scp_line(built: dict[str, Any]) -> None:
    d = copy(built, "release_hurt")
    victim = next((d / "audio_files").rglob("*.flac"))
    victim.unlink()
    scp = next((d / "scp_files").rglob("*.scp"))
    scp.write_text(scp.read_text().replace(" audio_files/", "\taudio_files/", 1))
    report = validate(str(d))
    assert not report["ok"]
    assert any(victim.name in p and ("no such file" in p or "missing" in p) for p in report["problems"])
    assert any(scp.name in p and "not 'AUDIO_ID" in p for p in report["problems"])


def test_validate_sample_checks_some_shards_deterministically(built: dict[str, Any]) -> None:
    a = validate(str(built["out"]), sample=2)
    b = validate(str(built["out"]), sample=2)
    assert (
        a["ok"] and a["shards_checked"] == 2 and a["instances"] == b["instances"] < built["result"].summary["instances"]
    )


def test_folder_shape_lets_null_stand_for_an_absent_value_but_not_another_type() -> None:
    from audioflan_ray.validate import _compatible, _merge, _structure

    partner = _structure({"other": {"built": {"bed_offset": 1200, "noise": "partner"}}})
    generated = _structure({"other": {"built": {"bed_offset": None, "noise": "generated"}}})
    assert _compatible(generated, partner) and _merge(generated, partner) == partner
    assert not _compatible(partner, _structure({"other": {"built": {"bed_offset": "1200", "noise": "partner"}}}))
    assert not _compatible(partner, _structure({"other": {"built": {"noise": "partner"}}}))


# -- stats -------------------------------------------------------------------------------------------------------------


def test_stats_count_tasks_labels_and_instructions(built: dict[str, Any]) -> None:
    stats = json.loads((built["out"] / "stats.json").read_text())
    assert stats["instances"] == built["result"].summary["instances"]
    for task, entry in stats["by_task"].items():
        assert entry["audio_hours"] == round(entry["audio_seconds"] / 3600, 4), task
        assert entry["distinct_instructions"] == len(entry["variant_share"]) >= 1, task
        assert abs(sum(entry["variant_share"].values()) - 1.0) < 1e-3, task
    lid = stats["by_task"]["Language Identification"]["labels"]
    assert lid == {"English": stats["by_task"]["Language Identification"]["instances"]}
    sv = stats["by_task"]["Speaker Verification"]["labels"]
    # balanced within each unit and pool (±1 each): the two answers stay close overall
    assert set(sv) == {"Yes.", "No."} and abs(sv["Yes."] - sv["No."]) <= max(3, (sv["Yes."] + sv["No."]) // 4)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_plot_draws_every_task_and_grows_with_them(built: dict[str, Any], tmp_path: Path) -> None:
    stats = json.loads((built["out"] / "stats.json").read_text())
    domains = {t: i.domain for t, i in catalog().items()}
    small = tmp_path / "small.png"
    plot(stats, domains, str(small))
    rng = np.random.default_rng(0)
    every = dict(stats)
    every["by_task"] = {
        t: {"instances": int(rng.integers(1, 10**6)), "audio_seconds": 1.0, "audio_hours": 0.0} for t in domains
    }
    big = tmp_path / "big.png"
    plot(every, domains, str(big))
    (w_small, h_small), (w_big, h_big) = _png_size(small), _png_size(big)
    assert w_big == w_small and h_big > 2 * h_small and h_big / len(domains) >= 25


# -- what a build may touch --------------------------------------------------------------------------------------------


def test_a_folder_of_someone_elses_files_is_refused_and_left_intact(tmp_path: Path) -> None:
    out = tmp_path / "theirs"
    for rel in ("shards/keep.tar", "errors/x.jsonl", "metadata/a.jsonl", "stats.json", "notes.txt"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(rel)
    before = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(OutputRefused, match="no audioflan-ray build wrote it"):
        build(load(out, *overrides("build.force=true")))
    assert {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_force_replaces_only_what_the_earlier_build_wrote(built: dict[str, Any]) -> None:
    d = copy(built, "force")
    (d / "notes.txt").write_text("mine")
    mine = d / "shards/speech/asr/train/mine.tar"
    mine.write_text("mine")
    old = set(shard_bytes(d))
    with pytest.raises(OutputRefused, match="another configuration"):
        build(load(d, *overrides("output.shard_max_samples=2")))
    build(load(d, *overrides("output.shard_max_samples=2", "build.force=true")))
    new = set(shard_bytes(d))
    assert new != old and mine.read_text() == "mine" and (d / "notes.txt").read_text() == "mine"
    on_disk = {str(p.relative_to(d)) for p in (d / "shards").rglob("*.tar")}
    assert on_disk == new | {"shards/speech/asr/train/mine.tar"}  # the replaced build's stale shards are gone
    assert validate(str(d))["ok"]


def test_a_held_lock_refuses_a_second_build_and_a_stale_one_is_taken_over_when_asked(built: dict[str, Any]) -> None:
    d = copy(built, "locked")
    (d / LOCK).write_text(json.dumps({"run_id": "other", "holder": "someone@host pid 1", "heartbeat_unix": 9e18}))
    with pytest.raises(LockHeld, match="someone@host"):
        build(load(d, *overrides()))
    (d / LOCK).write_text(json.dumps({"run_id": "other", "holder": "someone@host pid 1", "heartbeat_unix": 0}))
    with pytest.raises(LockHeld, match="take_over_lock"):
        build(load(d, *overrides()))
    assert build(load(d, *overrides("build.take_over_lock=true"))).skipped
    assert not (d / LOCK).exists() and json.loads((d / MARKER).read_text())["owner"] == "audioflan-ray"


def test_an_output_inside_a_source_root_is_a_config_error(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(SAMPLES / "librispeech", root)
    assert cli.main(["build", f"sources=[{{recipe: librispeech, root: {root}}}]", f"output.uri={root}/out"]) == 2


# -- the error policy --------------------------------------------------------------------------------------------------


def test_a_bug_fails_the_build_and_commits_nothing(built: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from audioflan_ray.pipeline import stages

    def buggy(cfg: Any) -> Any:
        def encode(row: dict[str, Any]) -> list[dict[str, Any]]:
            raise KeyError("a bug")

        return encode

    patched = tuple(replace(s, setup=buggy) if s.name == "encode" else s for s in stages.STAGES)
    monkeypatch.setattr(stages, "STAGES", patched)
    out = built["base"] / "bug"
    with pytest.raises(KeyError, match="a bug"):
        build(load(out, *overrides()))
    assert not (out / "manifest.json").exists()


def test_duplicates_and_a_cut_off_rf64_are_quarantined_and_the_build_validates(tmp_path: Path) -> None:
    corpus = bad_input_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    res = build(
        load(
            out,
            f"sources=[{{recipe: manifest, root: {corpus}, options: {{domain: speech}}}}]",
            "build.tasks=[Automatic Speech Recognition]",
            "audio.simulate.noise=null",
            "build.max_error_fraction=0.2",
        )
    )
    stats = json.loads((out / "stats.json").read_text())
    assert stats["errors"]["by_reason"]["duplicate"]["rows"] == 1
    assert stats["errors"]["by_reason"]["truncated"]["rows"] == 1
    assert res.summary["instances"] == 30
    errors = [json.loads(x) for f in sorted((out / "errors").glob("*.jsonl")) for x in f.read_text().splitlines()]
    assert ("truncated", "cut") in {(e["type"], e.get("recording_id")) for e in errors}
    assert sorted(p.name for p in (out / "errors").glob("*.jsonl")) == ["errors-000000.jsonl", "plan-000000.jsonl"]
    assert validate(str(out))["ok"]


def test_too_large_a_quarantine_fails_the_build(tmp_path: Path) -> None:
    clips = sorted((SAMPLES / "fsdd/recordings").glob("*.wav"))[:6]
    corpus = tmp_path / "corpus"
    manifest_corpus(corpus, [(f"r{i}", p) for i, p in enumerate(clips)] + [("gone", corpus / "gone.wav")])
    (corpus / "gone.wav").write_bytes(b"RIFF")  # not audio
    out = tmp_path / "out"
    with pytest.raises(ErrorRateExceeded, match="max_error_fraction"):
        build(
            load(
                out,
                f"sources=[{{recipe: manifest, root: {corpus}, options: {{domain: speech}}}}]",
                "build.tasks=[Automatic Speech Recognition]",
                "audio.simulate.noise=null",
            )
        )
    assert not (out / "manifest.json").exists()


def test_a_symlink_out_of_the_corpus_root_is_refused(tmp_path: Path) -> None:
    clips = sorted((SAMPLES / "fsdd/recordings").glob("*.wav"))[:20]
    corpus = tmp_path / "corpus"
    manifest_corpus(corpus, [(f"r{i}", p) for i, p in enumerate(clips)])
    outside = tmp_path / "secret.wav"
    shutil.copyfile(clips[0], outside)
    (corpus / "link.wav").symlink_to(outside)
    with open(corpus / "manifest.jsonl", "a") as f:
        f.write(
            json.dumps({"recording_id": "link", "audio": "link.wav", "split": "train", "meta": {"transcript": "x"}})
            + "\n"
        )
    out = tmp_path / "out"
    build(
        load(
            out,
            f"sources=[{{recipe: manifest, root: {corpus}, options: {{domain: speech}}}}]",
            "build.tasks=[Automatic Speech Recognition]",
            "audio.simulate.noise=null",
        )
    )
    stats = json.loads((out / "stats.json").read_text())
    assert stats["errors"]["by_reason"]["outside_root"]["rows"] == 1
    assert all(r["other"]["recording_id"] != "link" for r, _ in samples(out))


def test_lock_and_marker_helpers_work_on_a_plain_root(tmp_path: Path) -> None:
    from audioflan_ray.output import Lock

    root = Root(str(tmp_path))
    a = Lock(root, "a").acquire(600, False)
    with pytest.raises(LockHeld):
        Lock(root, "b").acquire(600, False)
    a.release()
    Lock(root, "b").acquire(600, False).release()
    assert not (tmp_path / LOCK).exists()
