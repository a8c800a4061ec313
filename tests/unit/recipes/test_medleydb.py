"""MedleyDB: MELODY2 preferred (option: MELODY1), repeated stem instruments, subsets, problems, check_layout."""

from __future__ import annotations

import json
from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root
from tests.fixtures.corpora import medleydb

ANN = "Annotations/Melody_Annotations"


def _scan(root: Path, options: dict[str, str] | None = None) -> list[Recording | Problem]:
    return list(registry()["medleydb"](Root(str(root)), options).scan())


def _rec(items: list[Recording | Problem], rec_id: str) -> Recording:
    return next(i for i in items if isinstance(i, Recording) and i.recording_id == rec_id)


def test_melody1_option_and_fallback_when_melody2_is_absent(tmp_path: Path) -> None:
    medleydb.make(tmp_path)
    melody1 = medleydb._f0_rows([(0.0, 0.49, 60)], 1.0)
    (tmp_path / ANN / "MELODY1" / "AmarLal_Rest_MELODY1.csv").write_text(melody1, encoding="utf-8")
    assert _rec(_scan(tmp_path), "AmarLal_Rest").meta["melody"] == "0.10-0.45 E4, 0.45-0.95 G4"
    assert _rec(_scan(tmp_path, {"melody": "1"}), "AmarLal_Rest").meta["melody"] == "0.00-0.49 C4"
    (tmp_path / ANN / "MELODY2" / "AmarLal_Rest_MELODY2.csv").unlink()
    assert _rec(_scan(tmp_path), "AmarLal_Rest").meta["melody"] == "0.00-0.49 C4"


def test_repeated_instruments_are_numbered_and_two_melody_stems_give_no_target(tmp_path: Path) -> None:
    medleydb.make(tmp_path)
    meta = tmp_path / "Audio" / "AmarLal_Rest" / "AmarLal_Rest_METADATA.yaml"
    meta.write_text(
        meta.read_text()
        .replace("fx/processed sound", "clean electric guitar")
        .replace("component: ''", "component: melody"),
        encoding="utf-8",
    )
    rec = _rec(_scan(tmp_path), "AmarLal_Rest")
    assert list(json.loads(rec.meta["stems"])) == ["clean electric guitar", "clean electric guitar 2"]
    assert "target_audio" not in rec.meta


def test_unreadable_csv_and_metadata_are_problems(tmp_path: Path) -> None:
    medleydb.make(tmp_path)
    (tmp_path / ANN / "MELODY2" / "AmarLal_Rest_MELODY2.csv").write_text("time;f0\n", encoding="utf-8")
    meta = tmp_path / "Audio" / "Handel_TornamiAVagheggiar" / "Handel_TornamiAVagheggiar_METADATA.yaml"
    meta.write_text("stems: [unclosed", encoding="utf-8")
    items = _scan(tmp_path)
    assert not any(isinstance(i, Recording) for i in items)
    assert sorted((p.path, p.reason) for p in items if isinstance(p, Problem))[:2] == [
        (f"{ANN}/MELODY2/AmarLal_Rest_MELODY2.csv", "bad_metadata"),
        (f"{ANN}/MELODY2/LizNelson_Coldwar_MELODY2.csv", "missing_audio"),
    ]
    assert ("Audio/Handel_TornamiAVagheggiar/Handel_TornamiAVagheggiar_METADATA.yaml", "bad_metadata") in [
        (p.path, p.reason) for p in items if isinstance(p, Problem)
    ]


def test_pitch_subset_stem_notes_and_missing_stem_audio(tmp_path: Path) -> None:
    (tmp_path / "pitch").mkdir()
    (tmp_path / "audio").mkdir()
    rows = medleydb._f0_rows([(0.0, 0.3, 57)], 0.4)
    (tmp_path / "pitch" / "X_Y_STEM_01.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "pitch" / "X_Y_STEM_02.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "audio" / "X_Y_STEM_01.wav").write_bytes(b"RIFF")
    meta = {"X_Y_STEM_01": {"instrument": "Tack Piano", "artist": "X", "title": "Y", "genre": "Jazz"}}
    (tmp_path / "medleydb_pitch_metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    items = _scan(tmp_path)
    rec = _rec(items, "X_Y_STEM_01")
    assert rec.meta == {"melody": "0.00-0.30 A3", "instrument": "tack piano", "artist": "X", "genre": "jazz"}
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [("pitch/X_Y_STEM_02.csv", "missing_audio")]


def test_check_layout_names_the_three_layouts(tmp_path: Path) -> None:
    (msg,) = registry()["medleydb"](Root(str(tmp_path))).check_layout()
    assert "Audio/" in msg and "melody1/" in msg and "pitch/" in msg
