"""jazznet: the subset CSV decides rows and splits; default choice; bad rows; check_layout."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root
from tests.fixtures.corpora import jazznet


def _scan(root: Path, options: dict[str, str] | None = None) -> list[Recording | Problem]:
    return list(registry()["jazznet"](Root(str(root)), options).scan())


def test_subset_option_reads_that_csv_and_its_splits(tmp_path: Path) -> None:
    jazznet.make(tmp_path)
    recs = {r.recording_id: r for r in _scan(tmp_path, {"subset": "small"}) if isinstance(r, Recording)}
    assert sorted(recs) == ["A-4-aug-chord-0", "C-4-dorian-0", "F#-4-aeolian-0"]
    assert recs["F#-4-aeolian-0"].split == "train"


def test_default_prefers_the_csv_with_most_audio_and_bad_rows_are_problems(tmp_path: Path) -> None:
    jazznet.make(tmp_path)
    small = tmp_path / "metadata" / "small.csv"
    small.write_bytes(
        small.read_bytes() + b"99,,scale,dorian,4,0,train\r\n12,X-4-dorian-0,scale,dorian,4,0,holdout\r\n"
    )
    assert {r.recording_id for r in _scan(tmp_path) if isinstance(r, Recording)} >= {"B-4-ii-V-I-maj-17"}
    found = [(p.path, p.reason) for p in _scan(tmp_path, {"subset": "small"}) if isinstance(p, Problem)]
    assert found == [("metadata/small.csv:5", "bad_metadata"), ("metadata/small.csv:6", "bad_metadata")]


def test_check_layout_names_the_metadata_csvs(tmp_path: Path) -> None:
    (msg,) = registry()["jazznet"](Root(str(tmp_path))).check_layout()
    assert "metadata/" in msg
