"""MoisesDB recipe: one recording per isolated source, the song's sources as stems, problems, layout check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audioflan_ray.recipes.base import Problem, Recording, hash_split, registry
from audioflan_ray.recipes.moisesdb import instrument
from audioflan_ray.storage import Root


def test_instrument_words() -> None:
    assert instrument("banjo, mandolin, ukulele, harp etc", "other_plucked") == "banjo"
    assert instrument("brass (trumpet, trombone, french horn, brass etc)", "wind") == "brass"
    assert instrument("other (vocoder, beatboxing etc)", "vocals") == "other vocals"
    assert instrument("other sounds (hapischord, melotron etc)", "other_keys") == "other keys"
    assert instrument("lead male singer", "vocals") == "lead male singer"


def _song(folder: Path, tracks: dict[str, list[dict[str, Any]]], files: list[str]) -> None:
    folder.mkdir(parents=True)
    stems = [{"stemName": s, "tracks": t} for s, t in tracks.items()]
    (folder / "data.json").write_text(json.dumps({"artist": "a", "song": "s", "genre": "rock", "stems": stems}))
    for rel in files:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(b"RIFF")


def test_sources_stems_and_problems(tmp_path: Path) -> None:
    tracks = {
        "vocals": [
            {"id": "v1", "extension": "wav", "trackType": "lead male singer", "has_bleed": False},
            {"id": "v2", "extension": "wav", "trackType": "lead male singer", "has_bleed": True},
        ],
        "bass": [{"id": "b1", "extension": "wav", "trackType": "bass guitar"}],
        "drums": [{"id": "d1", "extension": "wav", "trackType": "kick drum"}],
    }
    _song(tmp_path / "song-a", tracks, ["vocals/v1.wav", "vocals/v2.wav", "bass/b1.wav", "bass/stray.wav"])
    (tmp_path / "song-b").mkdir()
    (tmp_path / "song-b" / "data.json").write_text("{")
    items = list(registry()["moisesdb"](Root(str(tmp_path))).scan())
    recs = {r.recording_id: r for r in items if isinstance(r, Recording)}
    assert sorted(recs) == ["song-a_b1", "song-a_v1"]
    stems = json.loads(recs["song-a_v1"].meta["stems"])
    assert stems == {
        "lead male singer": "song-a/vocals/v1.wav",
        "lead male singer 2": "song-a/vocals/v2.wav",
        "bass guitar": "song-a/bass/b1.wav",
    }
    assert (
        recs["song-a_b1"].meta["instrument"] == "bass guitar" and recs["song-a_b1"].meta["instrument_family"] == "bass"
    )
    assert {r.split for r in recs.values()} == {hash_split("song-a")}
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("song-a/bass/stray.wav", "missing_label"),
        ("song-a/drums/d1.wav", "missing_audio"),
        ("song-b/data.json", "bad_metadata"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    problems = registry()["moisesdb"](Root(str(tmp_path))).check_layout()
    assert len(problems) == 1 and "data.json" in problems[0]
    _song(tmp_path / "moisesdb_v0.1" / "u1", {}, [])
    assert registry()["moisesdb"](Root(str(tmp_path))).check_layout() == []
