"""MTG-Jamendo: subsets merged per track, split-0 mapping, audio-low names, row problems, check_layout."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root

HEADER = "TRACK_ID\tARTIST_ID\tALBUM_ID\tPATH\tDURATION\tTAGS\n"


def _tsv(root: Path, name: str, *rows: str) -> None:
    path = root / "data" / "splits" / "split-0" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


def _mp3(root: Path, rel: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(b"ID3")


def _scan(root: Path, options: dict[str, str] | None = None) -> list[Recording | Problem]:
    return list(registry()["mtg_jamendo"](Root(str(root)), options).scan())


def test_fields_come_from_their_subset_and_validation_is_dev(tmp_path: Path) -> None:
    row = "track_0000215\tartist_000014\talbum_000031\t15/215.mp3\t151.4\t"
    _tsv(tmp_path, "autotagging_top50tags-validation.tsv", row + "genre---poprock\tinstrument---electricguitar")
    _tsv(tmp_path, "autotagging_genre-validation.tsv", row + "genre---poprock\tgenre---hiphop")
    _tsv(tmp_path, "autotagging_instrument-validation.tsv", row + "instrument---electricguitar")
    _tsv(tmp_path, "autotagging_moodtheme-validation.tsv", row + "mood/theme---happy\tmood/theme---film")
    _mp3(tmp_path, "audios/15/215.mp3")
    (rec,) = _scan(tmp_path)
    assert isinstance(rec, Recording)
    assert rec.split == "dev" and rec.audio == "audios/15/215.mp3"
    assert rec.meta == {
        "tags": "pop rock, electric guitar",
        "genre": "pop rock, hip hop",
        "instrument": "electric guitar",
        "emotion": "happy, film",
        "artist": "artist_000014",
    }


def test_audio_low_name_and_audio_dir_option(tmp_path: Path) -> None:
    _tsv(
        tmp_path,
        "autotagging_genre-test.tsv",
        "track_0000948\tartist_000087\talbum_000149\t48/948.mp3\t212.7\tgenre---rock",
    )
    _mp3(tmp_path, "low/48/948.low.mp3")
    (rec,) = _scan(tmp_path, {"audio_dir": "low"})
    assert isinstance(rec, Recording) and rec.audio == "low/48/948.low.mp3" and rec.split == "test"


def test_bad_rows_unknown_mood_and_conflicting_split_are_problems_first_subset_wins(tmp_path: Path) -> None:
    _tsv(
        tmp_path,
        "autotagging_moodtheme-train.tsv",
        "track_0000001\tartist_000001\talbum_000001\t01/1.mp3",  # too few columns
        "track_0000002\tartist_000001\talbum_000001\t02/2.mp3\t100.0\tmood/theme---grumpy",
        "track_0000003\tartist_000001\talbum_000001\t03/3.mp3\t100.0\thappy",
        "track_0000004\tartist_000001\talbum_000001\t04/4.mp3\t100.0\tmood/theme---sad",
        "track_0000005\tartist_000001\talbum_000001\t05/5.mp3\t100.0\tmood/theme---sad",
    )
    _tsv(
        tmp_path,
        "autotagging_genre-test.tsv",
        "track_0000004\tartist_000001\talbum_000001\t04/4.mp3\t100.0\tgenre---pop",
    )
    _mp3(tmp_path, "audios/04/4.mp3")
    items = _scan(tmp_path)
    recs = [i for i in items if isinstance(i, Recording)]
    assert [(r.recording_id, r.split, r.meta) for r in recs] == [
        ("track_0000004", "test", {"genre": "pop", "artist": "artist_000001"})
    ]
    found = sorted((p.path, p.reason) for p in items if isinstance(p, Problem))
    assert found == [
        ("audios/05/5.mp3", "missing_audio"),
        ("data/splits/split-0/autotagging_moodtheme-train.tsv:2", "bad_metadata"),
        ("data/splits/split-0/autotagging_moodtheme-train.tsv:3", "bad_label"),
        ("data/splits/split-0/autotagging_moodtheme-train.tsv:4", "bad_metadata"),
        ("data/splits/split-0/autotagging_moodtheme-train.tsv:5", "conflicting_split"),
    ]


def test_data_folder_as_root_and_other_split(tmp_path: Path) -> None:
    _tsv(
        tmp_path,
        "autotagging_genre-train.tsv",
        "track_0000009\tartist_000002\talbum_000003\t09/9.mp3\t90.0\tgenre---jazz",
    )
    (tmp_path / "data" / "splits" / "split-0").rename(tmp_path / "data" / "splits" / "split-3")
    _mp3(tmp_path, "data/09/9.mp3")
    (rec,) = _scan(tmp_path / "data", {"split": "split-3"})
    assert isinstance(rec, Recording) and rec.audio == "09/9.mp3" and rec.meta["genre"] == "jazz"


def test_check_layout_names_the_index_files(tmp_path: Path) -> None:
    (msg,) = registry()["mtg_jamendo"](Root(str(tmp_path))).check_layout()
    assert "data/splits/split-0/autotagging_" in msg and str(tmp_path) in msg
