"""ADD 2023 recipe: track folders, genuine/fake labels, the dev half carved into test, and problems."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.add2023 import ADD2023
from audioflan_ray.recipes.base import Problem, Recording, hash_split
from audioflan_ray.storage import Root


def split_folder(track: Path, split: str, lines: list[str], wavs: list[str]) -> None:
    (track / split / "wav").mkdir(parents=True)
    (track / split / "label.txt").write_text("\n".join(lines) + "\n")
    for w in wavs:
        (track / split / "wav" / w).write_bytes(b"RIFF")


def test_a_track_folder_as_root_and_dev_halves(tmp_path: Path) -> None:
    names = [f"ADD2023_T1.2_D_{i:08d}" for i in range(30)]
    split_folder(tmp_path, "dev", [f"{n}.wav genuine" for n in names], [f"{n}.wav" for n in names])
    got = [r for r in ADD2023(Root(str(tmp_path))).scan() if isinstance(r, Recording)]
    assert [r.split for r in got] == [hash_split(f"add2023/{n}", 50, 50) for n in names]
    assert {r.split for r in got} == {"dev", "test"} and got[0].meta == {"spoof": "bonafide", "content_class": "speech"}


def test_problems(tmp_path: Path) -> None:
    track = tmp_path / "Track1.2"
    lines = ["A.wav fake", "A.wav fake", "B.wav spoof", "C.wav", "D.wav genuine", ""]
    split_folder(track, "train", lines, ["A.wav", "E.wav"])
    items = list(ADD2023(Root(str(tmp_path))).scan())
    assert [(r.recording_id, r.split, r.meta["spoof"]) for r in items if isinstance(r, Recording)] == [
        ("A", "train", "spoof")
    ]
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("Track1.2/train/label.txt:2", "duplicate"),
        ("Track1.2/train/label.txt:3", "bad_metadata"),
        ("Track1.2/train/label.txt:4", "bad_metadata"),
        ("Track1.2/train/wav/D.wav", "missing_audio"),
        ("Track1.2/train/wav/E.wav", "missing_label"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    assert "Track1.2/train/label.txt" in ADD2023(Root(str(tmp_path))).check_layout()[0]
