"""good-sounds: one recording per take, pitch from note and octave, klass as qualities, problems."""

from __future__ import annotations

import json
from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root


def _sound(note: str, octave: int, klass: str) -> dict[str, object]:
    return {"instrument": "sax_alto", "note": note, "octave": octave, "klass": klass, "pack_id": 1}


def test_takes_pitch_qualities_and_problems(tmp_path: Path) -> None:
    sounds = {"1": _sound("C#", 3, "bad-attack bad-pitch"), "2": _sound("H", 3, "good-sound")}
    takes = {
        "1": {"sound_id": 1, "microphone": "akg", "filename": "sound_files/sax_x/akg/0000.wav"},
        "2": {"sound_id": 1, "microphone": "neumann", "filename": "sound_files/sax_x/neumann/0000.wav"},
        "3": {"sound_id": 2, "microphone": "akg", "filename": "sound_files/sax_x/akg/0001.wav"},
        "4": {"sound_id": 9, "microphone": "akg", "filename": "sound_files/sax_x/akg/0002.wav"},
    }
    (tmp_path / "sounds.json").write_text(json.dumps(sounds), encoding="utf-8")
    (tmp_path / "takes.json").write_text(json.dumps(takes), encoding="utf-8")
    for rel in ("akg/0000.wav", "akg/0001.wav", "akg/0003.wav"):
        (tmp_path / "good-sounds/sound_files/sax_x" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "good-sounds/sound_files/sax_x" / rel).write_bytes(b"RIFF")
    items = list(registry()["good_sounds"](Root(str(tmp_path))).scan())
    recs = [r for r in items if isinstance(r, Recording)]
    assert [(r.recording_id, r.meta) for r in recs] == [
        ("sax_x-akg-0000", {"instrument": "sax alto", "pitch": 49, "qualities": "bad attack, bad pitch"})
    ]
    assert sorted((p.path, p.reason) for p in items if isinstance(p, Problem)) == [
        ("good-sounds/sound_files/sax_x/akg/0003.wav", "missing_label"),
        ("good-sounds/sound_files/sax_x/neumann/0000.wav", "missing_audio"),
        ("takes.json:3", "bad_label"),
        ("takes.json:4", "bad_metadata"),
    ]


def test_check_layout_names_the_json_files(tmp_path: Path) -> None:
    (msg,) = registry()["good_sounds"](Root(str(tmp_path))).check_layout()
    assert "sounds.json" in msg and "takes.json" in msg
