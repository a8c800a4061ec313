"""The Audio-FLAN release layout (contract §5) exported at commit, its validation, the export command, and stats."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import soundfile as sf
from audioflan_ray.sink.datasink import WebDatasetSink

from audioflan_ray import cli
from audioflan_ray.pipeline.stages import schema_of
from audioflan_ray.report import plot
from audioflan_ray.sink.commit import Committer, staged_piece_name
from audioflan_ray.sink.tars import PieceWriter, Sample, read_samples
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.validate import validate
from tests.unit.test_sink_and_validate import _cfg, instance_rows

SV_UNIT = 9000  # far from the plan's units: the hand-made pair shards never merge with built ones
RELEASE = ("metadata", "scp_files", "audio_files")


def _flac(row: dict[str, Any], audio_id: str) -> bytes:
    suffix = json.loads(row["sample"])["audio"][audio_id]
    return bytes(dict(row["members"])[suffix])


def _pair_piece(
    root: Path, folder: str, key: str, first: tuple[str, bytes], second: tuple[str, bytes], rec: Any
) -> Any:
    """A staged shard holding one Speaker Verification instance over two recordings (input.flac, input2.flac)."""
    sample = {
        "instruction": "Do the two recordings have the same speaker? Answer yes or no.",
        "input": f"first: <|SOA|>{first[0]}<|EOA|> second: <|SOA|>{second[0]}<|EOA|>",
        "output": "no",
        "uuid": key,
        "split": [folder.rsplit("/", 1)[1]],
        "task_type": {
            "major": ["Speaker Recognition"],
            "minor": ["Speaker Verification"],
            "U/G": ["understanding"],
            "unseen": False,
        },
        "domain": "speech",
        "source": ["audiobook"],
        "other": {"dataset": "librispeech", "recording_id": rec["recording_id"], "start_s": 0.0, "end_s": rec["end_s"]},
        "audio": {first[0]: "input.flac", second[0]: "input2.flac"},
    }
    name = staged_piece_name(folder, "librispeech", SV_UNIT, 0, 0)
    writer = PieceWriter(lambda p: open(root / p, "wb"), lambda k: name, 1 << 40, 1 << 30)  # noqa: SIM115
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    writer.write(
        Sample(
            key=key,
            members={"json": json.dumps(sample).encode(), "input.flac": first[1], "input2.flac": second[1]},
            task="Speaker Verification",
            split=sample["split"][0],
            dataset="librispeech",
            domain="speech",
            audio_seconds=2 * rec["end_s"],
            variant=0,
        )
    )
    p = writer.close()[0]
    piece = {**p.to_dict(), "counts": p.counts, "variants": p.variants}
    group = {"folder": folder, "dataset": "librispeech", "unit": SV_UNIT, "first_seq": 0, "pieces": [piece]}
    return {"groups": [group], "errors": []}


def _commit(rows: list[dict[str, Any]], cols: list[str], committer: Committer) -> dict[str, Any]:
    """Commit the built rows plus two hand-made pair instances that share their two AUDIO_IDs."""
    root = Path(committer.uri)
    ret = WebDatasetSink(committer).write([pa.Table.from_pylist(rows, schema=schema_of(cols))], None)
    asr = [r for r in rows if r["task"] == "Automatic Speech Recognition"]
    a_row = min((r for r in asr if r["dataset"] == "librispeech"), key=lambda r: r["end_s"] - r["start_s"])
    b_row = max((r for r in asr if r["dataset"] == "ljspeech"), key=lambda r: r["end_s"] - r["start_s"])
    a_id = next(iter(json.loads(a_row["sample"])["audio"]))
    a_bytes = _flac(a_row, a_id)  # the very bytes the ASR instance holds: one id, one file
    frames = sf.info(io.BytesIO(a_bytes)).frames
    b_audio, rate = sf.read(io.BytesIO(_flac(b_row, next(iter(json.loads(b_row["sample"])["audio"])))))
    buf = io.BytesIO()
    sf.write(buf, b_audio[:frames], rate, format="FLAC")  # another corpus's recording, cut to the same span
    b_id = f"ljspeech_{b_row['recording_id']}_head"
    a, b = (a_id, a_bytes), (b_id, buf.getvalue())
    span = {"recording_id": a_row["recording_id"], "end_s": frames / rate}
    x = _pair_piece(root, "speech/sv/train", f"{a_id}_sv", a, b, span)
    y = _pair_piece(root, "speech/sv/dev", f"{a_id}_sv2", b, a, span)
    result = committer.commit([ret, x, y])
    return {"result": result, "a_id": a_id, "b_id": b_id, "a_bytes": a_bytes}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("release")
    uri = str(base / "out")
    rows, cols, committer = instance_rows(_cfg(uri))
    assert committer.datasets["librispeech"] == {"domain": "speech", "number": 3}
    info = _commit(rows, cols, committer)
    return {"base": base, "out": Path(uri), "rows": rows, "cols": cols, "committer": committer, **info}


def _shard_records(out: Path) -> dict[str, bytes]:
    manifest = json.loads((out / "manifest.json").read_text())
    recs = {}
    for s in manifest["shards"]:
        with open(out / s["path"], "rb") as f:
            recs.update((k, m["json"]) for k, m in read_samples(f))
    return recs


def _files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes() for d in RELEASE for p in sorted((out / d).rglob("*")) if p.is_file()
    }


def test_layout_paths_and_lines_follow_the_contract(built: dict[str, Any]) -> None:
    out = built["out"]
    recs = _shard_records(out)
    jsonl = sorted((out / "metadata").rglob("*.jsonl"))
    path_re = re.compile(
        r"^metadata/(speech|music|audio)/(understanding|generation)/(train_dev|test)/\d{2,}_\w+/jsonl/"
    )
    lines = []
    for f in jsonl:
        assert path_re.match(str(f.relative_to(out))), f
        lines += f.read_bytes().splitlines()
    # every line is the shard's record, byte for byte, and every instance is there once
    assert sorted(lines) == sorted(recs.values())
    # train and dev share train_dev: the jsonl name keeps the shard's folder so that they do not collide
    pair_dir = out / "metadata/speech/understanding/train_dev/03_librispeech/jsonl"
    assert (pair_dir / f"speech.sv.train.librispeech-{SV_UNIT:06d}-000.jsonl").is_file()
    assert (pair_dir / f"speech.sv.dev.librispeech-{SV_UNIT:06d}-000.jsonl").is_file()
    # audio goes to its own corpus's folder: the pair's second recording is ljspeech's (10), not librispeech's
    a = out / f"audio_files/speech/03_librispeech/{built['a_id']}.flac"
    b = out / f"audio_files/speech/10_ljspeech/{built['b_id']}.flac"
    assert a.read_bytes() == built["a_bytes"] and sf.info(b).format == "FLAC"
    assert sorted(str(p.relative_to(out)) for p in (out / "scp_files").rglob("*")) == [
        "scp_files/speech",
        "scp_files/speech/03_librispeech.scp",
        "scp_files/speech/10_ljspeech.scp",
    ]
    assert f"{built['b_id']} audio_files/speech/10_ljspeech/{built['b_id']}.flac" in (
        (out / "scp_files/speech/10_ljspeech.scp").read_text().splitlines()
    )


def test_every_reference_resolves_and_audio_is_stored_once(built: dict[str, Any]) -> None:
    out = built["out"]
    scp: dict[str, str] = {}
    for f in sorted((out / "scp_files").rglob("*.scp")):
        text = f.read_text().splitlines()
        assert text == sorted(set(text)), f
        for line in text:
            audio_id, path = line.split(" ")
            assert audio_id not in scp and (out / path).is_file()
            scp[audio_id] = path
    uses: dict[str, int] = {}
    for f in (out / "metadata").rglob("*.jsonl"):
        for line in f.read_text().splitlines():
            rec = json.loads(line)
            refs = re.findall(r"<\|SOA\|>([^<]+)<\|EOA\|>", rec["input"] + rec["output"])
            assert refs and set(refs) == set(rec["audio"])
            for r in refs:
                assert r in scp
                uses[r] = uses.get(r, 0) + 1
    assert uses[built["a_id"]] >= 3 and uses[built["b_id"]] == 2  # ASR and more, and both pairs
    audio = sorted((out / "audio_files").rglob("*.flac"))
    assert len(audio) == len(scp) == len(uses) == built["committer"].release["audio_files_written"]


def test_the_build_with_its_layout_validates(built: dict[str, Any]) -> None:
    report = validate(str(built["out"]))
    assert report["ok"], report["problems"]


def _broken(built: dict[str, Any], name: str) -> Path:
    d = built["base"] / name
    shutil.copytree(built["out"], d)
    return d


def test_validate_names_a_deleted_audio_file(built: dict[str, Any]) -> None:
    d = _broken(built, "deleted")
    rel = f"audio_files/speech/10_ljspeech/{built['b_id']}.flac"
    (d / rel).unlink()
    report = validate(str(d))
    assert not report["ok"]
    assert any(rel in p and "no such file" in p for p in report["problems"]), report["problems"]
    assert any(built["b_id"] in p and "does not exist" in p for p in report["problems"]), report["problems"]


def test_validate_names_a_broken_scp_line(built: dict[str, Any]) -> None:
    d = _broken(built, "scp")
    scp = d / "scp_files/speech/03_librispeech.scp"
    lines = scp.read_text().splitlines()
    victim = next(line for line in lines if line.startswith(built["a_id"] + " "))
    scp.write_text("\n".join(line if line != victim else built["a_id"] for line in lines) + "\n")
    report = validate(str(d))
    assert not report["ok"]
    assert any("03_librispeech.scp" in p and "not 'AUDIO_ID" in p for p in report["problems"]), report["problems"]
    assert any(f"<|SOA|>{built['a_id']}<|EOA|> is in no .scp line" in p for p in report["problems"])


def test_validate_names_a_missing_instance(built: dict[str, Any]) -> None:
    d = _broken(built, "lines")
    f = next((d / "metadata/speech/understanding/train_dev/03_librispeech/jsonl").glob("speech.sv.dev.*.jsonl"))
    f.unlink()
    report = validate(str(d))
    assert not report["ok"]
    assert any("jsonl lines, the manifest has" in p for p in report["problems"]), report["problems"]


def test_export_command_rewrites_the_same_files(built: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    before = _files(built["out"])
    d = _broken(built, "reexport")
    for name in RELEASE:
        shutil.rmtree(d / name)
    assert cli.main(["export", str(d)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["audio_files_written"] == len([k for k in before if k.startswith("audio_files/")])
    assert _files(d) == before
    # again over a complete layout: nothing new to store, the same files
    (d / f"audio_files/speech/10_ljspeech/{built['b_id']}.flac").unlink()
    assert cli.main(["export", str(d)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (
        summary["audio_files_written"] == 1
        and summary["audio_files_kept"] == len([k for k in before if k.startswith("audio_files/")]) - 1
    )
    assert _files(d) == before
    assert validate(str(d))["ok"]


def test_layout_off_writes_none_and_removes_a_stale_one(built: dict[str, Any]) -> None:
    d = _broken(built, "off")
    (d / "manifest.json").unlink()
    for p in (d / "shards").rglob("*.tar"):
        p.unlink()
    config = json.loads(json.dumps(built["committer"].config))
    config["output"]["release_layout"] = False
    committer = dataclasses.replace(built["committer"], uri=str(d), config=config, result=None, release=None)
    _commit(built["rows"], built["cols"], committer)
    assert not any((d / name).exists() for name in RELEASE)
    report = validate(str(d))
    assert report["ok"], report["problems"]


def test_stats_by_task_entries(built: dict[str, Any]) -> None:
    stats = json.loads((built["out"] / "stats.json").read_text())
    for task, entry in stats["by_task"].items():
        assert set(entry) == {"instances", "audio_seconds", "audio_hours", "distinct_instructions", "variant_share"}
        assert entry["audio_hours"] == round(entry["audio_seconds"] / 3600, 4), task
        assert 1 <= entry["distinct_instructions"] == len(entry["variant_share"]), task


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
    assert small.stat().st_size > 10000
    rng = np.random.default_rng(0)
    every = dict(stats)  # all 80 Audio-FLAN tasks, as a full build has them
    every["by_task"] = {
        t: {"instances": int(rng.integers(1, 10**6)), "audio_seconds": 1.0, "audio_hours": 0.0} for t in domains
    }
    big = tmp_path / "big.png"
    plot(every, domains, str(big))
    (w_small, h_small), (w_big, h_big) = _png_size(small), _png_size(big)
    assert w_big == w_small and h_big > 2 * h_small
    assert h_big / len(domains) >= 25  # pixels per bar: labels stay readable
