"""AudioCaps recipe: index folder variants, one recording per clip with its first caption, splits and problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray.recipes.audiocaps import AudioCaps
from audioflan_ray.recipes.base import Absent, Problem, Recording
from audioflan_ray.storage import Root

HEADER = "audiocap_id,youtube_id,start_time,caption\n"


def write(root: Path, files: dict[str, str], *clips: str) -> Path:
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(HEADER + body, encoding="utf-8")
    for clip in clips:
        (root / clip).parent.mkdir(parents=True, exist_ok=True)
        (root / clip).write_bytes(b"RIFF")
    return root


def scan(root: Path, options: dict[str, str] | None = None) -> list[Recording | Problem | Absent]:
    return list(AudioCaps(Root(str(root)), options).scan())


@pytest.mark.parametrize("folder", ["", "dataset/", "AUDIOCAPS/"])
def test_index_folders(tmp_path: Path, folder: str) -> None:
    root = write(tmp_path, {f"{folder}test.csv": "1,vfY_TJq7n_U,130,A duck quacks\n"}, "vfY_TJq7n_U.wav")
    assert AudioCaps(Root(str(root))).check_layout() == []
    assert [(r.recording_id, r.split) for r in scan(root) if isinstance(r, Recording)] == [("vfY_TJq7n_U_130", "test")]


def test_five_captions_give_one_recording_with_the_first(tmp_path: Path) -> None:
    body = (
        '1,vfY_TJq7n_U,130,"Rustling occurs, ducks quack"\n'
        "2,tdWhHV3X25Q,60,An audience gives applause\n"
        "3,vfY_TJq7n_U,130,Ducks quack and water splashes\n"
    )
    root = write(tmp_path, {"val.csv": body}, "clips/val/vfY_TJq7n_U_130.flac", "clips/val/tdWhHV3X25Q_60.flac")
    got = {r.recording_id: r for r in scan(root, {"audio_dir": "clips"}) if isinstance(r, Recording)}
    assert got["vfY_TJq7n_U_130"].meta == {"caption": "Rustling occurs, ducks quack"}
    assert got["vfY_TJq7n_U_130"].split == "dev" and got["vfY_TJq7n_U_130"].audio == "clips/val/vfY_TJq7n_U_130.flac"
    assert len(got) == 2


def test_missing_clips_bad_rows_and_clips_in_two_splits(tmp_path: Path) -> None:
    files = {
        "train.csv": "1,aaaaaaaaaaa,30,A dog barks\n2,,30,No id\n3,bbbbbbbbbbb,soon,Bad start\n4,ccccccccccc,0,\n",
        "test.csv": "5,aaaaaaaaaaa,30,A dog barks again\n6,ddddddddddd,10,Rain falls\n",
    }
    items = scan(write(tmp_path, files, "aaaaaaaaaaa_30.wav"))
    assert [(r.recording_id, r.split) for r in items if isinstance(r, Recording)] == [("aaaaaaaaaaa_30", "train")]
    assert [a.path for a in items if isinstance(a, Absent)] == ["ddddddddddd_10_20"]
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("test.csv:2", "duplicate"),
        ("train.csv:3", "bad_metadata"),
        ("train.csv:4", "bad_metadata"),
        ("train.csv:5", "bad_metadata"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    found = AudioCaps(Root(str(tmp_path))).check_layout()
    assert "train.csv" in found[0] and "dataset/" in found[0]
