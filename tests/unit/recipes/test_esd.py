"""ESD recipe: text file encodings, ReadMe-less trees, numbering and parallel ids, layout problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.esd import ESD, decode
from audioflan_ray.storage import Root


@pytest.mark.parametrize(
    ("text", "encoding", "mandarin"),
    [
        ("打远一看，美丽", "gb2312", True),
        ("打远一看", "utf-16", True),
        ("café", "utf-8", False),
        ("it’s café", "cp1252", False),
    ],
)
def test_decode_reads_each_encoding_the_release_uses(text: str, encoding: str, mandarin: bool) -> None:
    assert decode(text.encode(encoding), mandarin) == text


def test_decode_falls_back_to_latin1() -> None:
    assert decode(b"caf\xe9 \x81", False) == "café \x81"


def wav(root: Path, rel: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(b"RIFF")


def test_without_readme_language_by_numbering_and_parallel_id_checks_the_block(tmp_path: Path) -> None:
    for rel in (
        "0003/Neutral/train/0003_000002.wav",
        "0003/Surprise/test/0003_001402.wav",
        "0003/Happy/train/0003_000352.wav",  # numbered in the Angry block
        "0003/Happy/0003_000703.wav",
        "0003/Bored/train/0003_000704.wav",
    ):
        wav(tmp_path, rel)
    (tmp_path / "0003" / "0003.txt").write_bytes("0003_000002\t你好。\t中立\n0003_000009 no tab\n".encode("utf-16"))
    items = list(ESD(Root(str(tmp_path))).scan())
    got = {i.recording_id: i.meta for i in items if isinstance(i, Recording)}
    assert got["0003_000002"] == {
        "transcript": "你好。",
        "emotion": "neutral",
        "speaker": "esd_0003",
        "language": "Mandarin Chinese",
        "parallel_id": "0003_002",
    }
    assert got["0003_001402"]["parallel_id"] == "0003_002" and got["0003_001402"]["emotion"] == "surprised"
    assert "parallel_id" not in got["0003_000352"]
    assert sorted((p.path.rsplit("/", 1)[-1], p.reason) for p in items if isinstance(p, Problem)) == [
        ("0003.txt:2", "bad_transcript"),
        ("0003_000352.wav", "missing_transcript"),
        ("0003_000703.wav", "bad_layout"),
        ("0003_000704.wav", "bad_layout"),
        ("0003_001402.wav", "missing_transcript"),
    ]


def test_readme_gives_gender_and_nested_root(tmp_path: Path) -> None:
    base = tmp_path / "Emotion Speech Dataset"
    wav(base, "0015/Sad/evaluation/0015_001060.wav")
    (base / "0015" / "0015.txt").write_text("0015_001060\tLet the glass globe be.\tSad\n")
    (base / "ReadMe.txt").write_text("0015: English Female\n")
    items = list(ESD(Root(str(tmp_path))).scan())
    assert len(items) == 1 and isinstance(items[0], Recording)
    assert items[0].split == "dev" and items[0].meta["gender"] == "female" and items[0].meta["language"] == "English"


def test_check_layout_names_the_speaker_folders(tmp_path: Path) -> None:
    found = ESD(Root(str(tmp_path))).check_layout()
    assert found and "0001 ... 0020" in found[0]
