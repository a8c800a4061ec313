"""The shared lookup of YouTube-sourced clips: every downloader naming scheme, one listing per folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray.recipes._youtube import ClipFolder, ClipName, parse_clip_name, time_token
from audioflan_ray.recipes.base import Absent
from audioflan_ray.storage import Root

# Real ids (AudioSet / MusicCaps / AudioCaps): leading "-", inner "_", leading "Y".
DASH = "-0Gj8-vB1q4"
UNDERSCORE = "vfY_TJq7n_U"
STARTS_WITH_Y = "YxlGt805lTA"


def folder(tmp_path: Path, *names: str, sub: str = "clips") -> ClipFolder:
    for name in names:
        path = tmp_path / sub / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * (len(name) + 1))
    return ClipFolder(Root(str(tmp_path)), sub)


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        (f"{DASH}_30.wav", 30.0, None),  # integer start
        (f"{DASH}_000030.flac", 30.0, None),  # zero-padded (VGGSound copies)
        (f"{DASH}_30.000.wav", 30.0, None),  # the CSV's 3 decimals
        (f"{DASH}_30_40.wav", 30.0, 40.0),
        (f"{DASH}_30.000_40.000.mp3", 30.0, 40.0),
        (f"{DASH}_30.0_40.0.opus", 30.0, 40.0),  # Python's float str
        (f"{DASH}_30000_40000.flac", 30.0, 40.0),  # "30.000" with the point removed: milliseconds
        (f"{DASH}.m4a", 30.0, 40.0),  # one clip per video
        (f"Y{DASH}.wav", 30.0, 40.0),  # AudioSet's Y prefix (PANNs)
        (f"Y{DASH}_30.000_40.000.ogg", 30.0, 40.0),  # DCASE/DESED naming
        (f"sub/dir/{DASH}_30.wav", 30.0, 40.0),  # any depth
    ],
)
def test_every_downloader_naming_is_found(tmp_path: Path, name: str, start: float, end: float | None) -> None:
    clips = folder(tmp_path, name)
    assert clips.find(DASH, start, end) == f"clips/{name}"
    assert clips.locate(DASH, start, end) == (f"clips/{name}", len(name) + 1)


def test_ids_with_underscores_and_a_leading_y_are_read_right() -> None:
    assert parse_clip_name(f"{UNDERSCORE}_130.wav") == [ClipName(UNDERSCORE, "130")]
    assert parse_clip_name(f"{STARTS_WITH_Y}_30000.flac") == [ClipName(STARTS_WITH_Y, "30000")]
    assert parse_clip_name(f"Y{STARTS_WITH_Y}.wav") == [ClipName(STARTS_WITH_Y)]
    assert parse_clip_name(f"{STARTS_WITH_Y}.wav") == [ClipName(STARTS_WITH_Y)]
    assert parse_clip_name("notes.txt") == parse_clip_name("short_30.wav") == parse_clip_name(f"{DASH}.mp4") == []


def test_a_different_start_or_end_is_not_the_clip(tmp_path: Path) -> None:
    clips = folder(tmp_path, f"{DASH}_30_40.wav", f"{UNDERSCORE}_10.wav")
    assert clips.find(DASH, 31.0) is None
    assert clips.find(DASH, 30.0, 41.0) is None
    assert clips.find(DASH, 30.0) == f"clips/{DASH}_30_40.wav"  # the index gives no end: the start decides
    assert clips.find(UNDERSCORE, 10.0, 20.0) == f"clips/{UNDERSCORE}_10.wav"
    assert clips.find(STARTS_WITH_Y, 10.0) is None


def test_a_timed_name_wins_over_the_bare_one_and_formats_follow_the_preference(tmp_path: Path) -> None:
    clips = folder(tmp_path, f"{DASH}.wav", f"{DASH}_30.m4a", f"{DASH}_30.flac", f"{DASH}_50.wav")
    assert clips.find(DASH, 30.0) == f"clips/{DASH}_30.flac"
    assert clips.find(DASH, 50.0) == f"clips/{DASH}_50.wav"
    assert clips.find(DASH, 70.0) == f"clips/{DASH}.wav"  # no timed name matches: the video's one clip


def test_missing_clip_is_absent_not_an_error(tmp_path: Path) -> None:
    clips = folder(tmp_path, f"{UNDERSCORE}_10.wav")
    missing = clips.locate(DASH, 12.5, 22.5)
    assert missing == Absent(f"clips/{DASH}_12.500_22.500", "clip missing", missing.message)
    assert DASH in missing.message and "clips" in missing.message
    assert ClipFolder(Root(str(tmp_path)), "no_such_folder").locate(DASH, 30.0) == Absent(
        f"no_such_folder/{DASH}_30", "clip missing", f"no {DASH}_30 clip (any name or format) under no_such_folder"
    )


def test_the_folder_is_listed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"{DASH}_{s}.wav" for s in range(0, 100, 10)]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    calls: list[str] = []
    real_find = Root.find

    def counting_find(self: Root, rel: str = "", suffix: str = "") -> dict[str, int]:
        calls.append(rel)
        return real_find(self, rel, suffix)

    monkeypatch.setattr(Root, "find", counting_find)
    monkeypatch.setattr(Root, "exists", lambda *a: pytest.fail("a lookup touched storage"))
    clips = ClipFolder(Root(str(tmp_path)))
    assert [clips.find(DASH, float(s)) for s in range(0, 100, 10)] == names
    assert calls == [""]


def test_time_token() -> None:
    assert [time_token(30.0), time_token(0), time_token(12.5)] == ["30", "0", "12.500"]
