"""Hi-Fi TTS recipe: manifest fields, root forms, row problems."""

from __future__ import annotations

import json
from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.hi_fi_tts import HiFiTTS
from audioflan_ray.storage import Root


def flac(root: Path, rel: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(b"fLaC")


def test_fields_fallbacks_and_problems(tmp_path: Path) -> None:
    a, b = "audio/11614_other/1001/book_01_x_0001.flac", "audio/99_clean/5/book_01_x_0002.flac"
    flac(tmp_path, a)
    flac(tmp_path, b)
    lines = [
        json.dumps(
            {"audio_filepath": a, "text": "mister x", "text_no_preprocessing": "Mr. X", "text_normalized": "Mister X"}
        ),
        "{not json",
        json.dumps({"audio_filepath": "audio/11614_other/1001/gone.flac", "text": "gone"}),
        json.dumps({"duration": 1.0}),
    ]
    (tmp_path / "11614_manifest_other_dev.json").write_text("\n".join(lines) + "\n")
    (tmp_path / "99_manifest_clean_test.json").write_text(json.dumps({"audio_filepath": b, "text": "only text"}) + "\n")
    (tmp_path / "notes_manifest.json").write_text("ignored\n")
    items = list(HiFiTTS(Root(str(tmp_path))).scan())
    got = {i.recording_id: i for i in items if isinstance(i, Recording)}
    first = got["11614_other_1001_book_01_x_0001"]
    assert first.split == "dev" and first.meta["transcript"] == "Mister X" and first.meta["raw_transcript"] == "Mr. X"
    assert first.meta["gender"] == "female" and first.meta["speaker"] == "hi_fi_tts_11614"
    other = got["99_clean_5_book_01_x_0002"]
    assert other.split == "test" and other.meta["transcript"] == "only text" and "gender" not in other.meta
    assert [(p.path.rsplit("/", 1)[-1], p.reason) for p in items if isinstance(p, Problem)] == [
        ("11614_manifest_other_dev.json:2", "bad_row"),
        ("11614_manifest_other_dev.json:4", "bad_row"),
        ("gone.flac", "missing_audio"),
    ]


def test_check_layout_names_the_manifests(tmp_path: Path) -> None:
    (tmp_path / "hi_fi_tts_v0" / "audio").mkdir(parents=True)
    found = HiFiTTS(Root(str(tmp_path))).check_layout()
    assert found and "<speaker>_manifest_<clean|other>_<train|dev|test>.json" in found[0]
