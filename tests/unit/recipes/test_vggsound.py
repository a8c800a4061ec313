"""VGGSound recipe: label words, official splits with a carved dev set, clip lookup and problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Absent, Problem, Recording, hash_split
from audioflan_ray.recipes.vggsound import VGGSound
from audioflan_ray.storage import Root


def scan(root: Path, options: dict[str, str] | None = None) -> list[Recording | Problem | Absent]:
    return list(VGGSound(Root(str(root)), options).scan())


def write(root: Path, csv_text: str, *clips: str) -> Path:
    (root / "vggsound.csv").write_text(csv_text, encoding="utf-8")
    for clip in clips:
        (root / clip).parent.mkdir(parents=True, exist_ok=True)
        (root / clip).write_bytes(b"RIFF")
    return root


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("bee, wasp, etc. buzzing", "bee buzzing"),
        ("male speech, man speaking", "male speech"),
        ("playing violin, fiddle", "playing violin"),
        ("police car (siren)", "police car (siren)"),
        ("dog bow-wow", "dog bow-wow"),
        ("eletric blender running", "electric blender running"),
    ],
)
def test_label_words(label: str, words: str) -> None:
    assert vocab.vggsound_class(label) == words


def test_an_unknown_label_with_a_comma_is_not_guessed(tmp_path: Path) -> None:
    items = scan(write(tmp_path, 'aaaaaaaaaaa,10,"goat, sheep bleating",train\n', "aaaaaaaaaaa_000010.wav"))
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [("vggsound.csv:1", "unknown_label")]


def test_splits_zero_padded_names_and_audio_dir(tmp_path: Path) -> None:
    rows = "".join(f"{i:011d},{i},dog barking,{'test' if i % 2 else 'train'}\n" for i in range(40))
    clips = [f"video_audio/{i:011d}_{i:06d}.wav" for i in range(40)]
    got = [r for r in scan(write(tmp_path, rows, *clips), {"audio_dir": "video_audio"}) if isinstance(r, Recording)]
    assert len(got) == 40
    for r in got:
        i = int(r.recording_id[:11])
        assert r.recording_id == f"{i:011d}_{i:06d}" and r.audio == f"video_audio/{i:011d}_{i:06d}.wav"
        assert r.split == ("test" if i % 2 else hash_split(r.recording_id, 5, 0))
    assert {r.split for r in got} == {"train", "dev", "test"}


def test_bad_rows_duplicates_and_missing_clips(tmp_path: Path) -> None:
    rows = (
        "aaaaaaaaaaa,30,dog barking,train\n"
        "aaaaaaaaaaa,30,dog barking,train\n"  # the same clip again
        "bbbbbbbbbbb,thirty,dog barking,train\n"
        "ccccccccccc,30,dog barking,validation\n"
        "ddddddddddd,30,dog barking\n"
        "\n"
        "eeeeeeeeeee,30,dog barking,test\n"
    )
    items = scan(write(tmp_path, rows, "aaaaaaaaaaa.wav"))
    assert [r.recording_id for r in items if isinstance(r, Recording)] == ["aaaaaaaaaaa_000030"]
    assert [a.path for a in items if isinstance(a, Absent)] == ["eeeeeeeeeee_30_40"]
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("vggsound.csv:2", "duplicate"),
        ("vggsound.csv:3", "bad_metadata"),
        ("vggsound.csv:4", "bad_metadata"),
        ("vggsound.csv:5", "bad_metadata"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    assert "vggsound.csv" in VGGSound(Root(str(tmp_path))).check_layout()[0]
