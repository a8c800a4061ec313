"""GuitarSet recipe: JAMS labels, progression numerals, audio choice, problems, layout check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audioflan_ray.errors import ConfigError
from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.recipes.guitarset import progression
from audioflan_ray.storage import Root


def _ann(namespace: str, data: Any, source: str = "") -> dict[str, Any]:
    return {"annotation_metadata": {"data_source": source}, "namespace": namespace, "data": data}


def _jams(key: str, leadsheet: list[tuple[float, float, str]], performed: list[tuple[float, float, str]]) -> str:
    chord = [{"time": t, "duration": d, "value": v, "confidence": None} for t, d, v in leadsheet]
    played = [{"time": t, "duration": d, "value": v, "confidence": None} for t, d, v in performed]
    beats = [{"time": 0.25 * i, "duration": 0.0, "value": {"position": i % 4 + 1}, "confidence": None} for i in (1, 2)]
    anns = [
        _ann("note_midi", [], "0"),
        _ann("beat_position", beats),
        _ann("tempo", [{"time": 0.0, "duration": 30.0, "value": 96.0, "confidence": 1.0}]),
        _ann("chord", chord),
        _ann("chord", played, "Semi-automatic chord transcription with manual verification"),
        _ann("key_mode", [{"time": 0.0, "duration": 30.0, "value": key, "confidence": 1}]),
    ]
    return json.dumps({"annotations": anns, "file_metadata": {"title": "x"}, "sandbox": {}})


def _corpus(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _scan(root: Path, **options: Any) -> list[Recording | Problem]:
    return list(registry()["guitarset"](Root(str(root)), options).scan())


def test_progression_numerals_follow_the_key_and_chord_quality() -> None:
    # Autumn Leaves in E minor: Am7 D7 Gmaj7 Cmaj7 F#m7b5 B7 Em
    chords = ["A:min7", "D:7", "G:maj7", "C:maj7", "F#:hdim7", "B:7", "E:min", "E:min"]
    assert progression(chords, "E minor") == "iv-VII-III-VI-iiø-V-i"
    assert progression(["C:maj", "A:min", "F:maj", "G:7", "N", "Bb:maj"], "C major") == "I-vi-IV-V-bVII"
    assert progression(["Db:maj/5", "C:dim"], "C major") == "bII-i°"
    with pytest.raises(ValueError):
        progression(["H:maj"], "C major")


def test_labels_from_jams_and_missing_files(tmp_path: Path) -> None:
    rid = "01_Jazz2-96-E_comp"
    root = _corpus(
        tmp_path,
        {
            f"annotation/{rid}.jams": _jams(
                "E:minor", [(0.0, 2.5, "A:min7"), (2.5, 2.5, "D:7")], [(0.0, 2.5, "A:min")]
            ),
            f"audio_mono-mic/{rid}_mic.wav": "x",
            f"audio_mono-pickup_mix/{rid}_mix.wav": "x",
            "annotation/02_Rock1-90-A_solo.jams": _jams("A:major", [], []),
            "audio_mono-mic/04_Funk1-100-C_comp_mic.wav": "x",
        },
    )
    items = _scan(root)
    rec = items[0]
    assert isinstance(rec, Recording) and rec.recording_id == rid
    assert rec.audio == f"audio_mono-mic/{rid}_mic.wav"
    assert rec.meta == {
        "beats": "0.25, 0.50",
        "tempo": 96.0,
        "key": "E minor",
        "chords": "0.00-2.50 A:min",
        "progression": "iv-VII",
        "genre": "jazz",
    }
    assert [(p.path, p.reason) for p in items[1:] if isinstance(p, Problem)] == [
        ("audio_mono-mic/02_Rock1-90-A_solo_mic.wav", "missing_audio"),
        ("audio_mono-mic/04_Funk1-100-C_comp_mic.wav", "missing_label"),
    ]
    mix = _scan(root, audio="mix")
    assert isinstance(mix[0], Recording) and mix[0].audio == f"audio_mono-pickup_mix/{rid}_mix.wav"
    with pytest.raises(ConfigError):
        _scan(root, audio="hex")


def test_bad_files_become_problems_and_odd_keys_are_left_out(tmp_path: Path) -> None:
    good = "05_SS3-98-C_solo"
    root = _corpus(
        tmp_path,
        {
            f"annotation/{good}.jams": _jams("C:dorian", [(0.0, 1.0, "C:maj")], []),
            f"audio_mono-mic/{good}_mic.wav": "x",
            "annotation/05_Polka1-98-C_solo.jams": _jams("C:major", [], []),
            "audio_mono-mic/05_Polka1-98-C_solo_mic.wav": "x",
            "annotation/05_BN1-98-C_comp.jams": "{not json",
            "audio_mono-mic/05_BN1-98-C_comp_mic.wav": "x",
        },
    )
    items = _scan(root)
    recs = [i for i in items if isinstance(i, Recording)]
    assert [r.recording_id for r in recs] == [good]
    assert "key" not in recs[0].meta and "progression" not in recs[0].meta
    assert recs[0].meta["genre"] == "singer-songwriter"
    assert sorted((p.path, p.reason) for p in items if isinstance(p, Problem)) == [
        ("annotation/05_BN1-98-C_comp.jams", "bad_annotation"),
        ("annotation/05_Polka1-98-C_solo.jams", "bad_name"),
        (f"annotation/{good}.jams", "unknown_label"),
    ]


def test_check_layout_names_the_missing_folders(tmp_path: Path) -> None:
    (tmp_path / "annotation").mkdir()
    problems = registry()["guitarset"](Root(str(tmp_path))).check_layout()
    assert len(problems) == 1 and "audio_mono-mic/" in problems[0] and "annotation/" not in problems[0]
    (tmp_path / "audio_mono-mic").mkdir()
    assert registry()["guitarset"](Root(str(tmp_path))).check_layout() == []


def test_check_layout_reports_a_bad_audio_option(tmp_path: Path) -> None:
    problems = registry()["guitarset"](Root(str(tmp_path)), {"audio": "hex"}).check_layout()
    assert len(problems) == 1 and "audio='hex'" in problems[0]
