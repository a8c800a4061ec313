"""FMA: the two-level header, archive subsets, genre fallback through genres.csv, problems, check_layout."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root
from tests.fixtures.corpora import fma


def _scan(root: Path, options: dict[str, str] | None = None) -> list[Recording | Problem]:
    return list(registry()["fma"](Root(str(root)), options).scan())


def test_medium_archive_also_lists_medium_tracks(tmp_path: Path) -> None:
    fma.make(tmp_path)
    (tmp_path / "fma_small").rename(tmp_path / "fma_medium")
    items = _scan(tmp_path)
    missing = [p.path for p in items if isinstance(p, Problem) and p.reason == "missing_audio"]
    assert missing == ["fma_medium/000/000003.mp3", "fma_medium/000/000005.mp3"]


def test_audio_option_picks_the_archive_and_columns_are_found_by_name(tmp_path: Path) -> None:
    fma.make(tmp_path)
    (tmp_path / "fma_full").mkdir()  # preferred by default, but empty
    assert not any(isinstance(i, Recording) for i in _scan(tmp_path))
    recs = {r.recording_id: r for r in _scan(tmp_path, {"audio": "fma_small"}) if isinstance(r, Recording)}
    assert recs["000010"].meta == {"artist": "Kurt Vile", "genre": "pop"} and recs["000010"].split == "dev"


def test_unparsable_genre_list_is_bad_metadata(tmp_path: Path) -> None:
    fma.make(tmp_path)
    tracks = tmp_path / "fma_metadata" / "tracks.csv"
    tracks.write_text(tracks.read_text(encoding="utf-8").replace('"[2, 15]"', '"[2, 15"'), encoding="utf-8")
    found = [(p.path, p.reason) for p in _scan(tmp_path) if isinstance(p, Problem)]
    assert ("fma_metadata/tracks.csv:track 153", "bad_metadata") in found


def test_check_layout_names_tracks_csv_then_the_audio_folders(tmp_path: Path) -> None:
    recipe = registry()["fma"](Root(str(tmp_path)))
    assert "fma_metadata/tracks.csv" in recipe.check_layout()[0]
    (tmp_path / "fma_metadata").mkdir()
    (tmp_path / "fma_metadata" / "tracks.csv").write_text("", encoding="utf-8")
    assert "fma_small" in recipe.check_layout()[0]
