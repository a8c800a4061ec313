"""The dataset card and the Megatron-Energon metadata, on an output made by hand with the sink's tar writer (no Ray).

Checked against the readers themselves: Energon's own ``prepare`` writes the same indexes and counts, Energon's
loader decodes the audio, and Hugging Face ``datasets`` loads a card config by name.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import soundfile as sf
import yaml

from audioflan_ray import card, config, energon
from audioflan_ray.config import Config
from audioflan_ray.ecosystem import write_extras
from audioflan_ray.schema import MARKER, SHARD_INDEX, SHARD_INDEX_SCHEMA, STAGING, UNIT_INDEX, UNIT_INDEX_SCHEMA
from audioflan_ray.sink.commit import make_stats
from audioflan_ray.sink.pieces import TAR_END, sample_bytes
from audioflan_ray.storage import Root

RATE = 16000
BUILD_ID = "0123456789abcdef"
# (domain, code, minor, split, member, samples per shard)
FOLDERS = [
    ("speech", "asr", "Automatic Speech Recognition", "train", "input.flac", [3, 2]),
    ("speech", "asr", "Automatic Speech Recognition", "test", "input.flac", [2]),
    ("speech", "tts", "Text to Speech", "train", "output.flac", [2]),
]


def tone(k: int) -> np.ndarray:
    # longer than one FLAC frame (4096 samples): PyAV, the decoder Energon uses, cannot seek in a one-frame FLAC
    t = np.arange(RATE // 2 + 40 * k) / RATE
    return (0.3 * np.sin(2 * np.pi * (220 + 20 * k) * t) * 32767).astype(np.int16)


def flac(samples: np.ndarray) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, RATE, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def record(key: str, code: str, minor: str, split: str, member: str, k: int) -> dict[str, Any]:
    aid = f"03_librispeech_{hashlib.sha1(key.encode()).hexdigest()[:12]}"
    ref = f"<|SOA|>{aid}<|EOA|>"
    gen = member.startswith("output")
    return {
        "instruction": "Transcribe the speech." if code == "asr" else "Read the text aloud.",
        "input": f"text {k}" if gen else ref,
        "output": ref if gen else f"text {k}",
        "uuid": key,
        "split": [split],
        "task_type": {
            "major": ["Speech Generation" if gen else "Speech Recognition"],
            "minor": [minor],
            "U/G": ["generation" if gen else "understanding"],
            "unseen": False,
        },
        "domain": "speech",
        "source": ["audiobook"],
        "other": {
            "dataset": "librispeech",
            "recording_id": f"rec-{k}",
            "start_s": 0.0,
            "end_s": None,
            "quality": None,
            # Typed in one split, null or empty in the other (noise clips only in train): datasets would type these
            # from the first rows of the first split alone.
            "partners": [{"role": "noise", "audio_id": None, "end_s": 5}] if split == "train" else [],
            "built": {"bed_offset": 7 if split == "test" else None, "snr_db": 5 if k % 2 else 2.5},
        },
        "audio": [{"id": aid, "member": member}],
    }


def make_output(root: Path, with_units: bool = True) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Shards as a build lays them out, the shard index, the unit index and the marker; returns the shard rows and
    the audio of every sample (by key)."""
    rows: list[dict[str, Any]] = []
    units: list[dict[str, Any]] = []
    audio: dict[str, np.ndarray] = {}
    k = 0
    for domain, code, minor, split, member, sizes in FOLDERS:
        for index, n in enumerate(sizes):
            body, offsets = b"", []
            for _ in range(n):
                key = f"librispeech_{code}_{k:04d}"
                audio[key] = tone(k)
                offsets.append(len(body))
                rec = record(key, code, minor, split, member, k)
                body += sample_bytes(key, {"json": json.dumps(rec).encode(), member: flac(audio[key])})
                k += 1
            data = body + TAR_END
            path = f"shards/{domain}/{code}/{split}/shard-{index:06d}.tar"
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
            rows.append(
                {
                    "path": path,
                    "num_samples": n,
                    "num_bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "domain": domain,
                    "task": minor,
                    "split": split,
                    "code": code,
                }
            )
            # two units per shard, as the packer concatenates them
            cut = offsets[1] if n > 1 else len(body)
            for unit, (start, end) in enumerate(((0, cut), (cut, len(body)))):
                units.append(
                    {
                        "unit": f"u{k}-{unit}",
                        "fingerprint": "f",
                        "folder": f"{domain}/{code}/{split}",
                        "path": path,
                        "offset": start,
                        "length": end - start,
                        "num_samples": sum(start <= o < end for o in offsets),
                        "offsets": [o - start for o in offsets if start <= o < end],
                        "summary": "{}",
                        "errors": "",
                    }
                )
    pq.write_table(pa.Table.from_pylist(rows, schema=SHARD_INDEX_SCHEMA), root / SHARD_INDEX)
    if with_units:
        pq.write_table(pa.Table.from_pylist(units, schema=UNIT_INDEX_SCHEMA), root / UNIT_INDEX)
    (root / MARKER).write_text(json.dumps({"owner": "audioflan-ray", "build_id": BUILD_ID}))
    return rows, audio


def stats_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    folders: dict[str, dict[str, Any]] = {}
    for r in rows:
        counts = folders.setdefault(f"{r['domain']}/{r['code']}/{r['split']}", {"counts": {"librispeech": [0, 0.0]}})
        counts["counts"]["librispeech"][0] += r["num_samples"]
        counts["counts"]["librispeech"][1] += 0.3 * r["num_samples"]
    return make_stats(folders, len(rows), {}, {}, {"librispeech": 9})


def demo_cfg(out: Path) -> Config:
    return config.load(None, [f"output.uri={out}"])


@pytest.fixture
def built(tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "out"
    out.mkdir()
    rows, audio = make_output(out)
    cfg = demo_cfg(out)
    stats = stats_of(rows)
    extras = write_extras(Root(str(out)), cfg, rows, stats)
    return {"out": out, "rows": rows, "audio": audio, "cfg": cfg, "stats": stats, "extras": extras}


def card_header(out: Path) -> dict[str, Any]:
    text = (out / "README.md").read_text()
    assert text.startswith("---\n")
    return dict(yaml.safe_load(text.split("---\n", 2)[1]))


# -- Energon -------------------------------------------------------------------------------------------------------


def test_energon_files_match_energon_prepare(built: dict[str, Any], tmp_path: Path) -> None:
    """Energon's own ``prepare`` over a copy of each task folder writes the same shard indexes and counts."""
    pytest.importorskip("megatron.energon", reason="megatron-energon is in the test extra")
    from megatron.energon.flavors.webdataset.prepare import WebdatasetPreparator

    out: Path = built["out"]
    assert built["extras"]["energon_folders"] == 2
    for folder in ("shards/speech/asr", "shards/speech/tts"):
        copy = tmp_path / "prepared" / folder
        shutil.copytree(out / folder, copy, ignore=shutil.ignore_patterns(".nv-meta", "*.idx"))
        tars = sorted(str(p.relative_to(copy)) for p in copy.glob("*/*.tar"))
        WebdatasetPreparator.prepare_dataset(
            copy, tars, split_parts_patterns=[("train", "train/.*")], workers=1, progress_fn=lambda x, _n: x
        )
        for tar in tars:
            assert (out / folder / f"{tar}.idx").read_bytes() == (copy / f"{tar}.idx").read_bytes(), tar
        ours = json.loads((out / folder / ".nv-meta/.info.json").read_text())
        theirs = json.loads((copy / ".nv-meta/.info.json").read_text())
        assert ours["shard_counts"] == theirs["shard_counts"]
    splits = yaml.safe_load((out / "shards/speech/asr/.nv-meta/split.yaml").read_text())["split_parts"]
    assert splits == {
        "train": ["train/shard-000000.tar", "train/shard-000001.tar"],
        "val": [],
        "test": ["test/shard-000000.tar"],
    }
    dataset = yaml.safe_load((out / "shards/speech/tts/.nv-meta/dataset.yaml").read_text())
    assert dataset["__class__"] == "CrudeWebdataset" and dataset["subflavors"]["code"] == "tts"


def test_offsets_without_unit_index_come_from_the_tar(tmp_path: Path) -> None:
    with_units, without = tmp_path / "a", tmp_path / "b"
    with_units.mkdir()
    without.mkdir()
    rows, _ = make_output(with_units)
    make_output(without, with_units=False)
    a, b = energon.write(Root(str(with_units)), rows), energon.write(Root(str(without)), rows)
    assert a == b
    assert all((with_units / p).read_bytes() == (without / p).read_bytes() for p in a)
    # a unit index that disagrees with the shards is not trusted
    table = pq.read_table(with_units / UNIT_INDEX).to_pylist()
    for r in table:
        r["offsets"] = [o + 512 for o in r["offsets"]]
    pq.write_table(pa.Table.from_pylist(table, schema=UNIT_INDEX_SCHEMA), with_units / UNIT_INDEX)
    assert energon.write(Root(str(with_units)), rows) == a
    assert all((with_units / p).read_bytes() == (without / p).read_bytes() for p in a)


def test_energon_loader_decodes_the_audio(built: dict[str, Any]) -> None:
    pytest.importorskip("av", reason="Energon decodes audio with PyAV (megatron-energon[av-decode])")
    from megatron.energon import (
        Cooker,
        DefaultTaskEncoder,
        WorkerConfig,
        get_loader,
        get_train_dataset,
        get_val_dataset,
        stateless,
    )

    @stateless
    def cook(crude: dict[str, Any]) -> Any:
        rec = crude["json"]
        (ref,) = rec["audio"]
        decoder = crude[ref["member"]]
        return {
            "key": crude["__key__"],
            "rec": rec,
            "rate": decoder.get_audio_samples_per_second(),
            "audio": decoder.get_audio().audio_clips[0],
        }

    class Encoder(DefaultTaskEncoder[Any, Any, Any, Any]):
        cookers = [Cooker(cook)]

        def batch(self, samples: list[Any]) -> list[Any]:
            return samples

    wc = WorkerConfig(rank=0, world_size=1, num_workers=0)
    folder = built["out"] / "shards/speech/asr"
    train = get_train_dataset(
        folder,
        worker_config=wc,
        batch_size=2,
        shuffle_buffer_size=None,
        max_samples_per_sequence=None,
        task_encoder=Encoder(),
        repeat=False,
    )
    test = get_val_dataset(folder, split_part="test", worker_config=wc, batch_size=2, task_encoder=Encoder())
    seen = {s["key"]: s for loader in (get_loader(train), get_loader(test)) for batch in loader for s in batch}
    expected = {r["path"]: r["num_samples"] for r in built["rows"] if r["code"] == "asr"}
    assert len(seen) == sum(expected.values()) == 7
    for key, s in seen.items():
        assert s["rate"] == RATE and s["rec"]["uuid"] == key
        np.testing.assert_array_equal(s["audio"].numpy().reshape(-1), built["audio"][key])


def test_stale_energon_files_of_a_replaced_build_are_removed(built: dict[str, Any]) -> None:
    out: Path = built["out"]
    kept = out / STAGING / "previous" / SHARD_INDEX
    kept.parent.mkdir(parents=True)
    shutil.copy(out / SHARD_INDEX, kept)
    rows = [r for r in built["rows"] if r["code"] == "asr" and r["path"].endswith("000000.tar")]
    written = energon.write(Root(str(out)), rows)
    gone = energon.remove_stale(Root(str(out)), written)
    assert "shards/speech/asr/train/shard-000001.tar.idx" in gone
    assert "shards/speech/tts/.nv-meta/.info.json" in gone
    assert not (out / "shards/speech/tts/.nv-meta/dataset.yaml").exists()
    assert (out / "shards/speech/asr/train/shard-000000.tar.idx").exists()
    assert all((out / p).exists() for p in written)


def test_energon_off_writes_none(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    rows, _ = make_output(out)
    cfg = config.load(None, [f"output.uri={out}", "output.energon=false"])
    extras = write_extras(Root(str(out)), cfg, rows, stats_of(rows))
    assert extras["energon_folders"] == 0
    assert not list(out.rglob("*.idx")) and not list(out.rglob(".nv-meta"))


# -- the card ------------------------------------------------------------------------------------------------------


def test_card_header(built: dict[str, Any]) -> None:
    head = card_header(built["out"])
    assert head["configs"] == [
        {
            "config_name": "asr",
            "data_files": [
                {"split": "train", "path": "shards/speech/asr/train/*.tar"},
                {"split": "test", "path": "shards/speech/asr/test/*.tar"},
            ],
        },
        {"config_name": "tts", "data_files": [{"split": "train", "path": "shards/speech/tts/train/*.tar"}]},
    ]
    features = {c["config_name"]: c["features"] for c in head["dataset_info"]}
    assert [f["name"] for f in features["asr"]] == ["input.flac", "json", "__key__", "__url__"]
    assert [f["name"] for f in features["tts"]][0] == "json" and features["tts"][1] == {
        "name": "output.flac",
        "dtype": "audio",
    }
    # the demo's sources: LibriSpeech / VCTK / NSynth CC BY 4.0, ESC-50 CC BY-NC 3.0, LJ Speech public domain...
    assert {"cc-by-4.0", "cc-by-nc-3.0", "cc0-1.0", "mit", "odbl", "cc-by-sa-4.0", "other"} == set(head["license"])
    assert head["license_name"] == "per-source"
    assert head["task_categories"] == ["automatic-speech-recognition", "text-to-speech"]
    assert head["size_categories"] == ["n<1K"]


def test_card_body(built: dict[str, Any]) -> None:
    text = (built["out"] / "README.md").read_text()
    assert f"build id: `{BUILD_ID}`" in text
    assert "![Instances per task, domain, source and split](stats.png)" in text
    assert (built["out"] / "stats.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| `asr` | speech | Automatic Speech Recognition | 5 | 0 | 2 | 7 |" in text
    assert "| esc50 | CC-BY-NC-3.0 | **no: non-commercial / research only** |" in text
    assert "> **Non-commercial terms apply**: esc50." in text
    for name in ("xue2025audioflan", "panayotov2015librispeech", "piczak2015esc", "engel2017nsynth", "ito2017ljspeech"):
        assert f"{{{name}," in text, name
    assert "built through the library (`run_build`)" in text  # pytest is not the command line


def test_terms_and_commands() -> None:
    assert card.Terms("x", "CC-BY-NC-SA-4.0", None).non_commercial
    assert card.Terms("x", "No licence (research use only)", None).non_commercial
    assert card.Terms("x", "unspecified", None).non_commercial
    assert not card.Terms("x", "CC-BY-4.0", None).non_commercial
    assert not card.Terms("x", "ODbL-1.0", None).non_commercial
    assert card.Terms("x", "ODbL-1.0", None).hub_license == "odbl"
    assert card.Terms("x", "Public Domain", None).hub_license == "other"
    assert card.size_category(999) == "n<1K" and card.size_category(12_000) == "10K<n<100K"
    cmd = card.build_command(["/v/bin/audioflan-ray", "build", "-c", "my conf.yaml", "output.uri=s3://b/p"])
    assert cmd == "audioflan-ray build -c 'my conf.yaml' output.uri=s3://b/p"
    main = card.build_command(["/x/audioflan_ray/__main__.py", "build", "storage.endpoint_url=http://u:pw@h:9000"])
    assert main == "python -m audioflan_ray build storage.endpoint_url=http://***@h:9000"
    job = card.build_command(["/w/ray_jobs/build_dataset.py", "-c", "conf/cluster.yaml"])
    assert job == "python ray_jobs/build_dataset.py -c conf/cluster.yaml"
    assert card.build_command(["/usr/lib/python3/site-packages/pytest/__main__.py", "tests"]) is None


def test_empty_build_still_gets_a_card(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    extras = write_extras(Root(str(out)), demo_cfg(out), [], make_stats({}, 0, {}, {}, {}))
    assert extras["energon_folders"] == 0
    assert card_header(out)["configs"] == []


def test_hf_datasets_loads_a_card_config_by_name(built: dict[str, Any], tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset(str(built["out"]), "asr", cache_dir=str(tmp_path / "hf"))
    assert set(ds) == {"train", "test"} and ds["train"].num_rows == 5 and ds["test"].num_rows == 2
    assert ds["train"].features["json"]["audio"] == datasets.List(
        {"id": datasets.Value("string"), "member": datasets.Value("string")}
    )
    row = ds["train"][0]
    decoded = row["input.flac"].get_all_samples()
    assert decoded.sample_rate == RATE
    np.testing.assert_allclose(decoded.data.numpy().reshape(-1), built["audio"][row["__key__"]] / 32768, atol=1e-4)
    tts = datasets.load_dataset(str(built["out"]), "tts", split="train", cache_dir=str(tmp_path / "hf"))
    assert tts.num_rows == 2 and "output.flac" in tts.features


def test_config_features_are_the_union_of_the_splits(built: dict[str, Any]) -> None:
    datasets = pytest.importorskip("datasets")
    head = card_header(built["out"])
    features = datasets.Features._from_yaml_list(head["dataset_info"][0]["features"])
    other = features["json"]["other"]
    assert other["partners"] == datasets.List(
        {"role": datasets.Value("string"), "audio_id": datasets.Value("null"), "end_s": datasets.Value("int64")}
    )
    assert other["built"] == {"bed_offset": datasets.Value("int64"), "snr_db": datasets.Value("float64")}
    assert other["end_s"] == datasets.Value("null") and features["input.flac"] == datasets.Audio()
    assert card.merge_types("int64", {"a": "bool"}) == "string"
    assert card.merge_types(("list", "null"), ("list", {"x": "int64"})) == ("list", {"x": "int64"})
