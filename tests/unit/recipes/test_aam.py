"""AAM: ARFF reading, chord names, parts, per-beat options, problems, check_layout."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audioflan_ray.recipes.aam import _chord, parse_arff
from audioflan_ray.recipes.base import Problem, Recipe, Recording, registry
from audioflan_ray.storage import Root
from tests.fixtures.corpora import aam


def _recipe(root: Path, options: dict[str, object] | None = None) -> Recipe:
    return registry()["aam"](Root(str(root)), options)


def test_parse_arff_with_and_without_data_marker() -> None:
    head = "@RELATION 'x'\n\n@ATTRIBUTE 'Start time in seconds' NUMERIC\n@ATTRIBUTE 'Chord name' STRING\n"
    rows = "0.0,'Cmaj'\n0.5, 'N.C.'\n"
    expected = (["Start time in seconds", "Chord name"], [["0.0", "Cmaj"], ["0.5", "N.C."]])
    assert parse_arff(head + "@DATA\n" + rows) == expected
    assert parse_arff(head + rows) == expected
    assert parse_arff("@DATA\n1.0,'[+60,64]','[]'\n")[1] == [["1.0", "[+60,64]", "[]"]]


@pytest.mark.parametrize(
    ("name", "chord"), [("Cmaj", "C:maj"), ("A#min", "A#:min"), ("N.C.", "N"), ("BASS_NOTE_EXCEPTION", "X")]
)
def test_chord_names(name: str, chord: str) -> None:
    assert _chord(name) == chord


def test_parts_concatenate_to_scan_and_beats_option(tmp_path: Path) -> None:
    aam.make(tmp_path)
    recipe = _recipe(tmp_path, {"beats": 2})
    assert recipe.parts() == ["00"]
    assert [i for p in recipe.parts() for i in recipe.scan_part(p)] == list(recipe.scan())
    rec = next(r for r in recipe.scan() if isinstance(r, Recording) and r.recording_id == "0001")
    assert rec.meta["beat_pitches"] == "beat1: E5; beat2: E5"
    assert rec.meta["beat_instruments"].count("beat") == 2


def test_flac_mix_is_preferred_and_problems(tmp_path: Path) -> None:
    aam.make(tmp_path)
    shutil.copyfile(tmp_path / "audio-mixes-mp3/0001_mix.mp3", tmp_path / "audio-mixes-flac-0001_mix.flac")
    (tmp_path / "mixes").mkdir()
    (tmp_path / "audio-mixes-flac-0001_mix.flac").rename(tmp_path / "mixes/0001_mix.flac")
    (tmp_path / "annotations/0002_beatinfo.arff").write_text("0.0,1,1,'Cmaj'\nnot,a,row\n", encoding="utf-8")
    seg = tmp_path / "annotations/0001_segments.arff"
    seg.write_text(seg.read_text(encoding="utf-8").replace("'Cmaj'", "'Hmaj'"), encoding="utf-8")
    shutil.copyfile(tmp_path / "audio-mixes-mp3/0002_mix.mp3", tmp_path / "audio-mixes-mp3/0004_mix.mp3")
    items = list(_recipe(tmp_path).scan())
    assert not [i for i in items if isinstance(i, Recording)]
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("annotations/0001_segments.arff", "bad_label"),
        ("annotations/0002_beatinfo.arff", "bad_metadata"),
        ("annotations/0003_beatinfo.arff", "missing_audio"),
        ("annotations/0003_segments.arff", "missing_audio"),
        ("audio-mixes-mp3/0004_mix.mp3", "missing_label"),
    ]
    seg.write_text(seg.read_text(encoding="utf-8").replace("'Hmaj'", "'Cmaj'"), encoding="utf-8")
    rec = next(r for r in _recipe(tmp_path).scan() if isinstance(r, Recording))
    assert rec.audio == "mixes/0001_mix.flac"


def test_check_layout_names_annotations(tmp_path: Path) -> None:
    (msg,) = _recipe(tmp_path).check_layout()
    assert "annotations/" in msg
