"""TAU Urban Acoustic Scenes 2022 Mobile recipe: fold 1 splits by location, devices, scenes and problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.tau2022 import TAU2022, device_words
from audioflan_ray.storage import Root

HEADER = "filename\tscene_label\tidentifier\tsource_label\n"


def corpus(root: Path, meta: list[str], train: list[str], evaluate: list[str], wavs: list[str]) -> Path:
    (root / "evaluation_setup").mkdir(parents=True)
    (root / "meta.csv").write_text(HEADER + "".join(f"{r}\n" for r in meta))
    for name, rows in (("fold1_train.csv", train), ("fold1_evaluate.csv", evaluate)):
        (root / "evaluation_setup" / name).write_text("filename\tscene_label\n" + "\n".join(rows))
    for w in wavs:
        (root / "audio").mkdir(exist_ok=True)
        (root / "audio" / w).write_bytes(b"RIFF")
    return root


def scan(root: Path) -> list[Recording | Problem]:
    return list(TAU2022(Root(str(root))).scan())


@pytest.mark.parametrize(
    ("code", "words"),
    [("a", "Soundman"), ("B", "Samsung Galaxy S7"), ("c", "iPhone SE"), ("s6", "simulated mobile device S6")],
)
def test_device_words(code: str, words: str) -> None:
    assert (device_words(code) or "").startswith(words)


def test_undocumented_devices_are_none() -> None:
    assert device_words("s12") is None and device_words("e") is None


def test_locations_never_straddle_train_and_dev(tmp_path: Path) -> None:
    locs = [f"city-{i}" for i in range(40)]
    meta = [f"audio/park-{loc}-1-{j}-a.wav\tpark\t{loc}\ta" for loc in locs for j in range(3)]
    wavs = [f"park-{loc}-1-{j}-a.wav" for loc in locs for j in range(3)]
    got = [r for r in scan(corpus(tmp_path, meta, [m.split("\t")[0] + "\tpark" for m in meta], [], wavs))]
    by_loc: dict[str, set[str]] = {}
    for r in got:
        assert isinstance(r, Recording) and r.meta == {"scene": "park", "device": device_words("a")}
        by_loc.setdefault(r.recording_id.split("-1-")[0], set()).add(r.split)
    assert all(len(s) == 1 for s in by_loc.values()) and set.union(*by_loc.values()) == {"train", "dev"}


def test_problems(tmp_path: Path) -> None:
    meta = [
        "audio/bus-lyon-1001-40001-0-x.wav\tbus\tlyon-1001\tx",  # undocumented device: kept, reported
        "audio/bus-lyon-1001-40001-1-a.wav\t\tlyon-1001\ta",  # no scene
    ]
    train = ["audio/bus-lyon-1001-40001-0-x.wav\tbus", "audio/tram-paris-1-1-0-a.wav\ttram"]
    root = corpus(tmp_path, meta, train, [], ["bus-lyon-1001-40001-0-x.wav", "stray-a.wav"])
    items = scan(root)
    assert [(r.recording_id, r.meta) for r in items if isinstance(r, Recording)] == [
        ("bus-lyon-1001-40001-0-x", {"scene": "bus"})
    ]
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("audio/bus-lyon-1001-40001-0-x.wav", "unknown_label"),
        ("audio/stray-a.wav", "missing_label"),
        ("evaluation_setup/fold1_train.csv:3", "bad_metadata"),
        ("meta.csv:3", "bad_metadata"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    assert "meta.csv" in TAU2022(Root(str(tmp_path))).check_layout()[0]
