"""Saraga recipes: the description built from the metadata, Carnatic tempo, problems, root variants, layout check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.recipes.saraga import carnatic_tempo, describe
from audioflan_ray.storage import Root

_CARNATIC = {
    "mbid": "m-1",
    "artists": [
        {"artist": {"name": "A Singer"}, "instrument": {"name": "Voice"}, "lead": True},
        {"artist": {"name": "A Violinist"}, "instrument": {"name": "Violin"}, "lead": False},
        {"artist": {"name": "A Drummer"}, "instrument": {"name": "Mridangam"}, "lead": False},
    ],
    "raaga": [{"name": "Aṭāna", "common_name": "atana"}],
    "taala": [{"name": "Khaṇḍa cāpu", "common_name": "khanda chapu"}],
    "form": [{"name": "Kriti"}],
}


def test_describe() -> None:
    assert describe("Carnatic", _CARNATIC) == (
        "This is a Carnatic music piece set in the atana raga. It is composed in the khanda chapu taala, in the kriti "
        "form. The lead instrument featured in this performance is voice, accompanied by violin and mridangam."
    )
    hindustani = {"raags": [{"common_name": "Yaman"}], "taals": [{"common_name": "Rupak"}], "layas": [], "forms": []}
    assert describe("Hindustani", hindustani) == (
        "This is a Hindustani music piece set in the Yaman raag. It is composed in the Rupak taal."
    )
    assert describe("Carnatic", {}) == "This is a Carnatic music piece."


def test_carnatic_tempo() -> None:
    assert carnatic_tempo("330, 82, 5.827, 32, 4\n") == 82.0
    assert carnatic_tempo("NaN, NaN, 5.901, 32, 4") is None
    with pytest.raises(ValueError):
        carnatic_tempo("82")


def _track(base: Path, concert: str, title: str, meta: Any, *, mix: bool = True, tempo: str | None = None) -> None:
    folder = base / concert / title
    folder.mkdir(parents=True)
    if mix:
        (folder / f"{title}.mp3.mp3").write_bytes(b"ID3")
    if meta is not None:
        (folder / f"{title}.json").write_text(meta if isinstance(meta, str) else json.dumps(meta), encoding="utf-8")
    if tempo is not None:
        (folder / f"{title}.tempo-manual.txt").write_text(tempo)


def test_scan_without_the_collection_folder_and_problems(tmp_path: Path) -> None:
    _track(tmp_path, "Concert", "Good", _CARNATIC, tempo="330, 82, 5.827, 32, 4")
    _track(tmp_path, "Concert", "NoMeta", None)
    _track(tmp_path, "Concert", "BadMeta", "{")
    _track(tmp_path, "Concert", "NoMbid", {"title": "x"})
    _track(tmp_path, "Concert", "BadTempo", {**_CARNATIC, "mbid": "m-2"}, tempo="1, 2")
    _track(tmp_path, "Concert", "NoMix", _CARNATIC, mix=False)
    recipe = registry()["saraga_carnatic"](Root(str(tmp_path)))
    assert recipe.check_layout() == []
    items = list(recipe.scan())
    recs = {r.recording_id: r for r in items if isinstance(r, Recording)}
    assert recs["m-1"].meta["tempo"] == 82.0 and recs["m-1"].meta["artist"] == "A Singer"
    assert recs["m-1"].meta["genre"] == "Carnatic" and "tempo" not in recs["m-2"].meta
    assert [(p.path.split("/", 1)[1], p.reason) for p in items if isinstance(p, Problem)] == [
        ("BadMeta/BadMeta.json", "bad_metadata"),
        ("BadTempo/BadTempo.tempo-manual.txt", "bad_annotation"),
        ("NoMbid/NoMbid.json", "bad_metadata"),
        ("NoMeta/NoMeta.mp3.mp3", "missing_label"),
        ("NoMix/NoMix.mp3.mp3", "missing_audio"),
    ]


def test_hindustani_has_no_tempo_and_check_layout(tmp_path: Path) -> None:
    meta = {"mbid": "h-1", "raags": [{"common_name": "Yaman"}], "album_artists": [{"name": "An Artist"}]}
    _track(tmp_path / "saraga1.5_hindustani", "Concert", "Yaman", meta, tempo="-1, -1, -1, -1, 3.2, 58.2")
    recs = [r for r in registry()["saraga_hindustani"](Root(str(tmp_path))).scan() if isinstance(r, Recording)]
    assert [(r.recording_id, r.meta["artist"], "tempo" in r.meta) for r in recs] == [("h-1", "An Artist", False)]
    assert recs[0].audio.startswith("saraga1.5_hindustani/")
    empty = tmp_path / "empty"
    empty.mkdir()
    problems = registry()["saraga_hindustani"](Root(str(empty))).check_layout()
    assert len(problems) == 1 and "saraga1.5_hindustani/" in problems[0]
