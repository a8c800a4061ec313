"""FSL10K recipe: labels agreed by the annotators, the caption built from them, problems, layout check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.recipes.fsl10k import labels
from audioflan_ray.storage import Root


def _a(**over: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "discard": False,
        "instrumentation": {"percussion": True, "bass": False, "chords": False, "melody": True, "fx": True},
        "defined_tempo": True,
        "bpm": "128",
        "key": "f#",
        "mode": "min",
        "genres": ["cinematic"],
    }
    answers.update(over)
    return answers


def test_labels_and_caption() -> None:
    meta, unmapped = labels([_a(), _a()])
    assert unmapped == []
    assert meta == {
        "tempo": 128.0,
        "key": "F# minor",
        "genre": "cinematic",
        "caption": "A cinematic loop at 128 BPM in F# minor, with percussion, melody and sound effects.",
    }


def test_disagreement_discard_and_unset_values() -> None:
    meta, _ = labels([_a(bpm="128"), _a(bpm="64", key="unknown"), _a(discard=True, bpm="1")])
    assert "tempo" not in meta and "key" not in meta and meta["genre"] == "cinematic"
    meta, _ = labels([_a(defined_tempo=False, genres=["hip hop", "global"], mode="none")])
    assert set(meta) == {"caption"} and meta["caption"] == "A music loop, with percussion, melody and sound effects."
    assert labels([_a(discard=True)]) == ({}, [])
    meta, unmapped = labels([_a(bpm="9000", key="h")])
    assert "tempo" not in meta and "key" not in meta and len(unmapped) == 2


def _corpus(root: Path, metadata: dict[str, Any], files: dict[str, str]) -> Path:
    (root / "audio" / "wav").mkdir(parents=True)
    (root / "metadata.json").write_text(json.dumps(metadata))
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_problems(tmp_path: Path) -> None:
    root = _corpus(
        tmp_path,
        {"1": {}, "2": {}, "3": {}},
        {
            "audio/wav/1_10.wav.wav": "x",
            "audio/wav/2_20.aiff.wav": "x",
            "audio/wav/7_70.wav.wav": "x",
            "audio/wav/notaloop.wav": "x",
            "annotations/ann/sound-1.json": json.dumps(_a(bpm="5")),
            "annotations/ann/sound-2.json": "{",
            "annotations/ann/sound-9.json": json.dumps(_a()),
        },
    )
    items = list(registry()["fsl10k"](Root(str(root))).scan())
    recs = {r.recording_id: r for r in items if isinstance(r, Recording)}
    assert sorted(recs) == ["1", "2"] and recs["2"].meta == {}
    assert "tempo" not in recs["1"].meta and recs["1"].meta["key"] == "F# minor"
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("annotations/ann/sound-2.json", "bad_annotation"),
        ("annotations/ann/sound-9.json", "missing_audio"),
        ("audio/wav/1_10.wav.wav", "unknown_label"),
        ("audio/wav/7_70.wav.wav", "missing_label"),
        ("audio/wav/notaloop.wav", "missing_label"),
        ("metadata.json:3", "missing_audio"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    problems = registry()["fsl10k"](Root(str(tmp_path))).check_layout()
    assert len(problems) == 1 and "metadata.json" in problems[0] and "audio/wav" in problems[0]
    _corpus(tmp_path, {}, {})
    assert registry()["fsl10k"](Root(str(tmp_path))).check_layout() == []
