"""M4Singer recipe: meta.json items, the test singers, voice parts, problems, layout check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root


def _item(name: str, **over: Any) -> dict[str, Any]:
    singer, song, uid = name.split("#")
    item = {
        "item_name": name,
        "txt": "<AP>你好",
        "phs": ["<AP>", "n", "i", "h", "ao"],
        "ph_dur": [0.2, 0.1, 0.4, 0.1, 0.4],
        "notes_pitch": [0, 60, 60, 62, 62],
        "notes_dur": [0.2, 0.5, 0.5, 0.5, 0.5],
        "is_slur": [0, 0, 0, 0, 0],
        "singer": singer,
        "wav_fn": f"data/raw/m4singer/{singer}#{song}/{uid}.wav",
    }
    item.update(over)
    return item


def _corpus(root: Path, items: list[Any], wavs: list[str]) -> Path:
    (root / "meta.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    for rel in wavs:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"RIFF")
    return root


def _scan(root: Path) -> list[Recording | Problem]:
    return list(registry()["m4singer"](Root(str(root))).scan())


def test_labels_split_and_voice_parts(tmp_path: Path) -> None:
    items = [_item("Bass-3#海阔天空#0003"), _item("Soprano-1#听海#0000"), _item("Mystery-9#听海#0000")]
    root = _corpus(tmp_path, items, ["Bass-3#海阔天空/0003.wav", "Soprano-1#听海/0000.wav", "Mystery-9#听海/0000.wav"])
    recs = {r.recording_id: r for r in _scan(root) if isinstance(r, Recording)}
    bass = recs["Bass-3#海阔天空#0003"]
    assert bass.audio == "Bass-3#海阔天空/0003.wav" and bass.split == "test"
    assert bass.meta == {
        "lyrics": "你好",
        "notes": "C4 0.50 | D4 0.50",
        "speaker": "m4singer_Bass-3",
        "gender": "male",
        "language": "Mandarin Chinese",
    }
    assert recs["Soprano-1#听海#0000"].split == "train" and recs["Soprano-1#听海#0000"].meta["gender"] == "female"
    assert "gender" not in recs["Mystery-9#听海#0000"].meta


def test_wav_fn_names_the_file_when_it_exists(tmp_path: Path) -> None:
    item = _item("Alto-1#Almost lover#0000", wav_fn="raw/Alto-1#Almost-lover/0000.wav")
    root = _corpus(tmp_path, [item], ["Alto-1#Almost-lover/0000.wav"])
    assert [r.audio for r in _scan(root) if isinstance(r, Recording)] == ["Alto-1#Almost-lover/0000.wav"]


def test_problems(tmp_path: Path) -> None:
    items = [
        _item("Alto-1#暖暖#0000"),
        _item("Alto-1#暖暖#0001", ph_dur=[0.1]),
        {"item_name": "Alto-1-暖暖-0002"},
        "not an object",
    ]
    root = _corpus(tmp_path, items, ["Alto-1#暖暖/0001.wav", "Alto-1#暖暖/0009.wav"])
    items_out = _scan(root)
    assert not [i for i in items_out if isinstance(i, Recording)]
    assert [(p.path, p.reason) for p in items_out if isinstance(p, Problem)] == [
        ("Alto-1#暖暖/0000.wav", "missing_audio"),
        ("Alto-1#暖暖/0009.wav", "missing_label"),
        ("meta.json[1]", "bad_row"),
        ("meta.json[2]", "bad_row"),
        ("meta.json[3]", "bad_row"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    assert "meta.json" in registry()["m4singer"](Root(str(tmp_path))).check_layout()[0]
    _corpus(tmp_path, [], [])
    assert registry()["m4singer"](Root(str(tmp_path))).check_layout() == []
