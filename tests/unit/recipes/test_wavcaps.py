"""WavCaps recipe: per-source JSON, audio folders in either naming, and every problem kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.wavcaps import WavCaps
from audioflan_ray.storage import Root


def write(root: Path, source: str, entries: Any, name: str = "x_final.json") -> None:
    path = root / "json_files" / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries if not isinstance(entries, list) else {"data": entries}), encoding="utf-8")


def touch(root: Path, *rels: str) -> None:
    for rel in rels:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"fLaC")


def scan(root: Path, options: dict[str, str] | None = None) -> list[Recording | Problem]:
    return list(WavCaps(Root(str(root)), options).scan())


def test_the_wavcaps_code_layout_and_a_wav_copy_are_found(tmp_path: Path) -> None:
    write(tmp_path, "AudioSet_SL", [{"id": "Yb0RFKhbpFJA.wav", "caption": "Wind  and\na man."}])
    write(tmp_path, "SoundBible", [{"id": "2219", "caption": "An airplane is landing."}])
    touch(tmp_path, "data/waveforms/AudioSet_SL_flac/Yb0RFKhbpFJA.flac", "data/waveforms/SoundBible_flac/2219.wav")
    got = {r.recording_id: r for r in scan(tmp_path, {"audio_dir": "data"}) if isinstance(r, Recording)}
    assert got["AudioSet_SL_Yb0RFKhbpFJA"].audio == "data/waveforms/AudioSet_SL_flac/Yb0RFKhbpFJA.flac"
    assert got["AudioSet_SL_Yb0RFKhbpFJA"].meta == {"caption": "Wind and a man."}
    assert got["SoundBible_2219"].audio == "data/waveforms/SoundBible_flac/2219.wav"


def test_a_source_without_audio_is_one_problem_and_bad_entries_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "FreeSound", [{"id": str(i), "caption": "A bell rings."} for i in range(50)])
    write(tmp_path, "BBC_Sound_Effects", [{"id": "A1", "caption": "Rain."}, {"id": "A1", "caption": "Rain."}])
    write(tmp_path, "BBC_Sound_Effects", [{"id": "A2", "caption": ""}, {"caption": "No id."}], "more.json")
    write(tmp_path, "SoundBible", {"items": []})
    touch(tmp_path, "Audio/BBC_Sound_Effects/A1.flac")
    items = scan(tmp_path)
    assert [r.recording_id for r in items if isinstance(r, Recording)] == ["BBC_Sound_Effects_A1"]
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("json_files/BBC_Sound_Effects/more.json:data[0]", "bad_metadata"),
        ("json_files/BBC_Sound_Effects/more.json:data[1]", "bad_metadata"),
        ("json_files/BBC_Sound_Effects/x_final.json:data[1]", "duplicate"),
        ("json_files/FreeSound", "missing_audio"),
        ("json_files/SoundBible/x_final.json", "bad_metadata"),
    ]
    assert "50 listed clips" in next(p.message for p in items if isinstance(p, Problem) and p.path.endswith("Sound"))


def test_splits_are_hashed_over_all_three(tmp_path: Path) -> None:
    write(tmp_path, "FreeSound", [{"id": str(i), "caption": "A bell rings."} for i in range(200)])
    touch(tmp_path, *(f"Audio/FreeSound/{i}.flac" for i in range(200)))
    assert {r.split for r in scan(tmp_path) if isinstance(r, Recording)} == {"train", "dev", "test"}


def test_check_layout(tmp_path: Path) -> None:
    assert "json_files/" in WavCaps(Root(str(tmp_path))).check_layout()[0]
    write(tmp_path, "SoundBible", [])
    assert WavCaps(Root(str(tmp_path))).check_layout() == []
