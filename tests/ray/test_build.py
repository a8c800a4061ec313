"""The whole build on local Ray over the bundled real samples, read back by three independent readers."""

from __future__ import annotations

import glob
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile as sf

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Recording, hash_split, registry
from audioflan_ray.storage import Root
from audioflan_ray.tasks.engine import templates
from tests.conftest import SAMPLES, offline_guard, run_cli, shared_corpus

pytestmark = pytest.mark.ray


def last_json(out: str) -> dict[str, Any]:
    return dict(json.loads(out.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    offline_guard()
    out = tmp_path_factory.mktemp("demo") / "demo"
    proc = run_cli("build", f"output.uri={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"out": out, "summary": last_json(proc.stdout), "stderr": proc.stderr}


def truth() -> dict[str, dict[str, Any]]:
    """recording id -> (recipe, Recording) from scanning the bundled samples with the recipes."""
    cfg = json.loads(json.dumps(__import__("audioflan_ray.config", fromlist=["load"]).load().to_dict()))
    out = {}
    for src in cfg["sources"]:
        for item in registry()[src["recipe"]](Root(src["root"])).scan():
            if isinstance(item, Recording):
                out[f"{src['recipe']}/{item.recording_id}"] = {"rec": item, "root": src["root"]}
    return out


def test_demo_build_summary_and_progress(demo: dict[str, Any]) -> None:
    s = demo["summary"]
    assert set(s) == {"output", "instances", "shards", "audio_hours", "errors"}
    assert s["instances"] > 900 and s["shards"] > 10 and s["errors"] == 0
    progress = [x for x in demo["stderr"].splitlines() if x.startswith("[progress")]
    assert progress and re.search(r"recordings \d+/\d+ .* rec/s, \d+ audio-s/s \| ETA ", progress[-1]), progress
    assert re.search(r"^\[phases\] plan [\d.]+ s \| .*audio [\d.]+ s \| pack .* total [\d.]+ s$", demo["stderr"], re.M)
    manifest = json.loads((demo["out"] / "manifest.json").read_text())
    assert manifest["totals"]["instances"] == s["instances"]
    assert {"speech", "music", "audio"} == set(manifest["totals"]["by_domain"])


def test_validate_cli_accepts_the_build(demo: dict[str, Any]) -> None:
    proc = run_cli("validate", str(demo["out"]))
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = last_json(proc.stdout)
    assert report["ok"] and report["instances"] == demo["summary"]["instances"]
    # the Audio-FLAN release layout is on by default, so the report above covers it too
    assert {"metadata", "scp_files", "audio_files"} <= {p.name for p in demo["out"].iterdir()}
    # the same checks as Ray tasks (how a large build is validated) give the same report
    on_ray = run_cli("validate", str(demo["out"]), "--on", "ray")
    assert on_ray.returncode == 0, on_ray.stderr[-2000:]
    assert last_json(on_ray.stdout) == report
    sampled = last_json(run_cli("validate", str(demo["out"]), "--sample", "5").stdout)
    assert sampled["ok"] and sampled["shards_checked"] == 5 and sampled["instances"] < report["instances"]


def test_stats_cli_and_plot(demo: dict[str, Any], tmp_path: Path) -> None:
    png = tmp_path / "stats.png"
    proc = run_cli("stats", str(demo["out"]), "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert "Automatic Speech Recognition" in proc.stdout and "common_voice" in proc.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10000


def test_instances_match_corpus_labels_read_with_webdataset(demo: dict[str, Any]) -> None:
    import webdataset as wds

    labels = truth()
    shards = sorted(glob.glob(str(demo["out"] / "shards/**/*.tar"), recursive=True))
    seen = 0
    for sample in wds.WebDataset(shards, shardshuffle=False, empty_check=False):
        rec = json.loads(sample["json"])
        other = rec["other"]
        item = labels[f"{other['dataset']}/{other['recording_id']}"]
        meta = item["rec"].meta
        minor = rec["task_type"]["minor"][0]
        field = {
            "Automatic Speech Recognition": "transcript",
            "Gender Recognition": "gender",
            "Age Recognition": "age",
            "Accent Recognition": "accent",
            "Language Identification": "language",
            "Speaker Identification": "speaker",
            "Sound Event Recognition": "label",
            "Instrument Classification": "instrument",
            "Pitch Classification": "pitch",
        }.get(minor)
        if field:
            assert rec["output"].endswith(str(meta[field])), (minor, rec["output"], meta)
        elif minor == "Text to Speech":
            assert rec["input"].endswith(meta["transcript"]) and rec["task_type"]["U/G"] == ["generation"]
        if templates()[minor].split_within_speaker:  # closed-set: split by recording within each speaker
            assert rec["split"] == [hash_split(f"{other['dataset']}/recording/{other['recording_id']}", 10, 10)]
        else:
            assert rec["split"] == [item["rec"].split]
        low = (other.get("built") or {}).get("low_rate")  # a super-resolution input is stored at its low rate
        for suffix in (a["member"] for a in rec["audio"]):
            audio, rate = sf.read(io.BytesIO(sample[suffix]), dtype="float32")
            assert rate in (16000, low) and audio.ndim == 1
        partners = {p["audio_id"] for p in other.get("partners") or []}
        own = [
            a["member"] for a in rec["audio"] if not a["id"].startswith(f"{rec['uuid']}_") and a["id"] not in partners
        ]
        seen += 1
        if not own:  # built audio only (e.g. an event scene): measured in tests/ray/test_all_tasks.py
            continue
        audio, rate = sf.read(io.BytesIO(sample[own[0]]), dtype="float32")
        # decode the source too: an MP3 header's duration is only an estimate
        src_audio, src_rate = sf.read(str(Path(item["root"]) / item["rec"].audio), dtype="float32")
        src_dur = len(src_audio) / src_rate
        assert abs(len(audio) / rate - src_dur) < 0.01, (rec["uuid"], len(audio) / rate, src_dur)
        assert abs((other["end_s"] - other["start_s"]) - src_dur) < 0.01
    assert seen == demo["summary"]["instances"]


def test_no_label_task_has_a_single_answer_unless_its_corpora_have_one(demo: dict[str, Any]) -> None:
    """stats.json's label distribution per task: one answer only where the recordings that could feed the task (the
    eligible ones of the datasets that fed it) allow one: a single label value, or pairs that are all alike."""
    from audioflan_ray.pipeline.stages import label_of
    from tests.pipeline_util import samples

    by_task = json.loads((demo["out"] / "stats.json").read_text())["by_task"]
    labels = truth()
    fed: dict[str, set[str]] = {}
    for rec, _ in samples(demo["out"]):
        fed.setdefault(rec["task_type"]["minor"][0], set()).add(rec["other"]["dataset"])
    checked = 0
    for minor, entry in by_task.items():
        t = templates()[minor]
        if not entry["labels"] or t.content_answers or not (t.kind == "label" or t.compare):
            continue  # free text, an answer measured on the audio, or not a label (the audio of a pair or built)
        checked += 1
        if len(entry["labels"]) > 1:
            continue
        groups: dict[tuple[str, str], list[str]] = {}  # (dataset, split) -> the label values of its recordings
        for key, item in labels.items():
            rec = item["rec"]
            if key.split("/", 1)[0] in fed[minor] and t.eligible(rec.meta) is None:
                value = str(rec.meta[t.compare["field"]]) if t.compare else label_of(t, rec.meta, {})
                groups.setdefault((key.split("/", 1)[0], rec.split), []).append(value)
        if not t.compare:
            possible = {v for values in groups.values() for v in values}
        else:  # a pair in one dataset and split: "same" needs a repeated value, "different" two distinct ones
            possible = (
                {"same" for v in groups.values() if len(v) > len(set(v))} if t.compare["op"] == "equal" else set()
            )
            possible |= {"different" for v in groups.values() if len(set(v)) > 1}
        assert len(possible) <= 1, f"{minor}: only {entry['labels']} though its recordings allow {sorted(possible)}"
    assert checked >= 10


def test_ray_read_webdataset_roundtrip(demo: dict[str, Any]) -> None:
    import ray

    if not ray.is_initialized():
        ray.init(num_cpus=1, include_dashboard=False)
    try:
        # file_extensions: Energon's <shard>.tar.idx files sit beside the shards
        ds = ray.data.read_webdataset(str(demo["out"] / "shards/speech/asr"), decoder=None, file_extensions=["tar"])
        rows = ds.take_all()
        asr = json.loads((demo["out"] / "stats.json").read_text())["by_task"]["Automatic Speech Recognition"]
        assert len(rows) == asr["instances"]
        row = rows[0]
        assert "input.flac" in row and sf.info(io.BytesIO(row["input.flac"])).samplerate == 16000
    finally:
        ray.shutdown()


def test_huggingface_datasets_loads_a_folder_and_decodes_flac(demo: dict[str, Any]) -> None:
    datasets = pytest.importorskip("datasets")
    try:
        import torchcodec  # noqa: F401
    except Exception as exc:
        pytest.skip(f"torchcodec does not load here ({exc}); HF audio decoding needs it and FFmpeg")
    folder = demo["out"] / "shards/speech/asr/train"
    ds = datasets.load_dataset("webdataset", data_files={"train": str(folder / "*.tar")}, split="train")
    n = sum(
        s["num_samples"]
        for s in pq.read_table(demo["out"] / "shards.parquet").to_pylist()
        if s["path"].startswith("shards/speech/asr/train/")
    )
    assert len(ds) == n > 0
    row = ds[0]
    assert row["json"]["task_type"]["minor"] == ["Automatic Speech Recognition"]
    decoded = row["input.flac"].get_all_samples()
    span = row["json"]["other"]["end_s"] - row["json"]["other"]["start_s"]
    assert decoded.sample_rate == 16000 and decoded.data.shape[0] == 1
    assert abs(decoded.data.shape[1] - span * 16000) <= 16  # the whole clip, not just a header's worth


def test_rebuild_into_a_completed_output_rewrites_nothing(demo: dict[str, Any]) -> None:
    manifest = demo["out"] / "manifest.json"
    before = {p: p.stat().st_mtime_ns for p in demo["out"].rglob("*") if p.is_file()}
    proc = run_cli("build", f"output.uri={demo['out']}")
    assert proc.returncode == 0 and "already complete" in proc.stderr
    assert last_json(proc.stdout) == demo["summary"]
    assert before == {p: p.stat().st_mtime_ns for p in demo["out"].rglob("*") if p.is_file()}
    proc = run_cli("build", f"output.uri={demo['out']}", "audio.max_duration_s=5")
    assert proc.returncode == 2 and "another configuration" in proc.stderr
    assert manifest.exists()


def test_forced_rebuild_on_an_actor_pool_gives_identical_bytes(demo: dict[str, Any], tmp_path: Path) -> None:
    before = pq.read_table(demo["out"] / "shards.parquet").to_pylist()
    out = tmp_path / "again"
    shutil.copytree(demo["out"], out)
    proc = run_cli(
        "build",
        f"output.uri={out}",
        "--force",
        "ray.stages.dsp.actors=1",
        "ray.stages.dsp.num_cpus=0.5",
        "ray.num_cpus=2",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = pq.read_table(out / "shards.parquet").to_pylist()
    assert [(s["path"], s["sha256"]) for s in after] == [(s["path"], s["sha256"]) for s in before]
    assert "stages dsp: fixed pool of 1 actors" in proc.stderr


def _write_wav(path: Path, data: np.ndarray, rate: int) -> None:
    sf.write(path, data, rate, subtype="PCM_16")


def test_bad_input_is_quarantined_and_counted(tmp_path: Path) -> None:
    offline_guard()
    src = SAMPLES / "ljspeech/LJSpeech-1.1"
    root = tmp_path / "LJSpeech-1.1"
    (root / "wavs").mkdir(parents=True)
    lines = (src / "metadata.csv").read_text().splitlines()[:4]
    for line in lines[:2]:
        rid = line.split("|")[0]
        shutil.copy(src / "wavs" / f"{rid}.wav", root / "wavs" / f"{rid}.wav")
    good = (src / "wavs" / "LJ001-0003.wav").read_bytes()
    (root / "wavs/LJ901-0001.wav").write_bytes(good[: len(good) // 3])  # truncated
    (root / "wavs/LJ901-0002.wav").write_bytes(b"RIFF this is not audio at all" * 40)  # non-audio
    (root / "wavs/LJ901-0003.wav").write_bytes(b"")  # empty
    audio, rate = sf.read(src / "wavs" / "LJ001-0003.wav", dtype="float32")
    _write_wav(root / "wavs/LJ901-0004.wav", audio[: int(0.04 * rate)], rate)  # shorter than min_duration_s
    extra = [f"LJ901-000{i}|Bad clip {i}.|Bad clip {i}." for i in range(1, 5)]
    extra.append("LJ901-0009|This line names no audio.|This line names no audio.")
    (root / "metadata.csv").write_text("\n".join(lines[:2] + extra) + "\n")
    out = tmp_path / "out"
    proc = run_cli(
        "build",
        f"sources=[{{recipe: ljspeech, root: {root}}}]",
        f"output.uri={out}",
        "audio.simulate.noise=null",
        "build.max_error_fraction=1.0",  # most of this corpus is broken on purpose
        "build.tasks=[Automatic Speech Recognition, Text to Speech, Gender Recognition, Accent Recognition, "
        "Language Identification, Speaker Identification]",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = last_json(proc.stdout)
    assert summary["errors"] == 5
    stats = json.loads((out / "stats.json").read_text())
    reasons = stats["errors"]["by_reason"]
    assert reasons["decode_error"]["rows"] == 1 and reasons["truncated"]["rows"] == 1
    assert reasons["empty_file"]["rows"] == 1
    assert reasons["too_short"]["rows"] == 1 and 0 < reasons["too_short"]["audio_seconds"] < 0.05
    assert reasons["missing_audio"]["rows"] == 1
    rows = [json.loads(line) for f in sorted((out / "errors").glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert len(rows) == 5
    for r in rows:
        assert {"path", "stage", "type", "message"} <= set(r)
    by_path = {Path(r["path"]).name: r for r in rows}
    assert by_path["LJ901-0001.wav"]["stage"] == "decode" and "truncated" in by_path["LJ901-0001.wav"]["message"]
    assert by_path["LJ901-0009.wav"]["stage"] == "plan"
    assert stats["by_source"]["ljspeech"]["instances"] == 2 * 6
    assert run_cli("validate", str(out)).returncode == 0


def test_bad_config_exits_2_lists_everything_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "never"
    proc = run_cli(
        "build",
        f"output.uri={out}",
        "sources.0.recipe=nope",
        f"sources.1.root={tmp_path / 'absent'}",
        "sources.2.tasks=[Telepathy]",
        "audio.max_duration_s=x",
    )
    assert proc.returncode == 2
    assert "max_duration_s: expected float" in proc.stderr
    proc = run_cli(
        "build",
        f"output.uri={out}",
        "sources.0.recipe=nope",
        f"sources.1.root={tmp_path / 'absent'}",
        "sources.2.tasks=[Telepathy]",
    )
    assert proc.returncode == 2
    for fragment in ("unknown recipe 'nope'", "does not exist", "unknown task 'Telepathy'"):
        assert fragment in proc.stderr
    assert not out.exists()


def test_long_recordings_are_cut_into_windows_with_labels_that_hold(tmp_path: Path) -> None:
    offline_guard()
    gtzan = shared_corpus("gtzan")
    out = tmp_path / "gtzan"
    proc = run_cli(
        "build",
        f"sources=[{{recipe: gtzan, root: {gtzan}}}]",
        "audio.simulate.noise=null",
        "build.tasks=[Genre Classification]",
        f"output.uri={out}",
        "audio.max_duration_s=10",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    import webdataset as wds

    recs = []
    for sample in wds.WebDataset(
        sorted(glob.glob(str(out / "shards/**/*.tar"), recursive=True)), shardshuffle=False, empty_check=False
    ):
        rec = json.loads(sample["json"])
        genre = vocab.words(rec["other"]["recording_id"].split(".")[0])  # the folder name in vocab's words
        assert rec["output"].endswith(genre)
        dur = sf.info(io.BytesIO(sample["input.flac"])).duration
        assert dur <= 10.0 and abs(dur - (rec["other"]["end_s"] - rec["other"]["start_s"])) < 0.01
        recs.append(rec)
    assert len(recs) == 10 * 4  # 30.0-30.12 s clips -> 4 equal windows under 10 s each
    ids = {r["audio"][0]["id"] for r in recs}
    assert len(ids) == len(recs)  # every window its own AUDIO_ID
    blues = sorted(
        (r["other"]["start_s"], r["other"]["end_s"]) for r in recs if r["other"]["recording_id"].startswith("blues.")
    )
    assert blues[0][0] == 0.0 and all(a[1] == b[0] for a, b in zip(blues, blues[1:], strict=False))


def test_the_gpu_config_runs_on_cpu_where_there_is_no_gpu(tmp_path: Path) -> None:
    offline_guard()
    out = tmp_path / "gpu-on-cpu"
    proc = run_cli(
        "build",
        "-c",
        "conf/gpu.yaml",
        f"output.uri={out}",
        f"sources=[{{recipe: vctk, root: {SAMPLES / 'vctk'}}}]",
        "audio.simulate.noise=null",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "the cluster has no GPU" in proc.stderr and "stages dsp: fixed pool of 1 actors" in proc.stderr
    import webdataset as wds

    n = 0
    for sample in wds.WebDataset(
        sorted(glob.glob(str(out / "shards/**/*.tar"), recursive=True)), shardshuffle=False, empty_check=False
    ):
        feats = np.load(io.BytesIO(sample["features.npy"]))
        assert feats.ndim == 2 and feats.shape[1] == 80
        assert json.loads(sample["json"])["other"]["features"] == "features.npy"
        n += 1
    assert n == last_json(proc.stdout)["instances"] > 0
    assert run_cli("validate", str(out)).returncode == 0
