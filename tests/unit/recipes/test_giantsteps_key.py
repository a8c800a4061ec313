"""GiantSteps Key: both layouts, the GiantSteps+ annotation winning a duplicate, key spellings, problems."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root
from tests.fixtures.corpora import giantsteps_key_original

PLUS = "10089 Jason Sparks - Close My Eyes feat. J. Little (Original Mix)"


def _scan(root: Path) -> list[Recording | Problem]:
    return list(registry()["giantsteps_key"](Root(str(root))).scan())


def _plus(root: Path, name: str, key: str, meta: str | None) -> None:
    for folder, suffix, text in (("keys_gs+", ".txt", key), ("meta", ".json", meta), ("audio", ".mp3", "ID3")):
        if text is not None:
            (root / folder).mkdir(parents=True, exist_ok=True)
            (root / folder / f"{name}{suffix}").write_text(text, encoding="utf-8")


def test_plus_annotation_wins_over_the_original_and_the_original_is_a_duplicate(tmp_path: Path) -> None:
    giantsteps_key_original.make(tmp_path)
    _plus(tmp_path, PLUS, "D minor\n", '{"artists": [{"name": "Jason Sparks"}], "genres": [{"name": "Breaks"}]}')
    items = _scan(tmp_path)
    rec = next(i for i in items if isinstance(i, Recording) and i.recording_id == "10089")
    assert rec.audio == f"audio/{PLUS}.mp3" and rec.meta == {
        "key": "D minor",
        "artist": "Jason Sparks",
        "genre": "breaks",
    }
    assert ("annotations/key/10089.LOFI.key", "duplicate") in [
        (p.path, p.reason) for p in items if isinstance(p, Problem)
    ]


def test_bad_key_bad_json_and_missing_meta(tmp_path: Path) -> None:
    _plus(tmp_path, "1 A - B", "D dorian", "{}")
    _plus(tmp_path, "2 C - D", "F# minor", "not json")
    _plus(tmp_path, "3 E - F", "Gb major", None)
    items = _scan(tmp_path)
    assert [(r.recording_id, r.meta) for r in items if isinstance(r, Recording)] == [("3", {"key": "F# major"})]
    assert sorted((p.path, p.reason) for p in items if isinstance(p, Problem)) == [
        ("keys_gs+/1 A - B.txt", "bad_label"),
        ("meta/2 C - D.json", "bad_metadata"),
    ]


def test_check_layout_names_both_annotation_folders(tmp_path: Path) -> None:
    (msg,) = registry()["giantsteps_key"](Root(str(tmp_path))).check_layout()
    assert "annotations/key/" in msg and "keys_gs+/" in msg
