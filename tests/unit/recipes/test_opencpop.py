"""Opencpop recipe: segment rows, official split, problems, layout check."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.recipes.opencpop import parse_row
from audioflan_ray.storage import Root

_ROW = "2001000001|AP感受|AP g an sh ou|rest D#4/Eb4 D#4/Eb4 C4 C4|0.3 0.4 0.4 0.5 0.5|0.3 0.05 0.35 0.1 0.4|0 0 0 0 0"


def _corpus(root: Path, train: list[str], test: list[str], wavs: list[str]) -> Path:
    (root / "segments" / "wavs").mkdir(parents=True)
    (root / "segments" / "train.txt").write_text("".join(f"{x}\n" for x in train), encoding="utf-8")
    (root / "segments" / "test.txt").write_text("".join(f"{x}\n" for x in test), encoding="utf-8")
    for uid in wavs:
        (root / "segments" / "wavs" / f"{uid}.wav").write_bytes(b"RIFF")
    return root


def test_parse_row() -> None:
    uid, meta = parse_row(_ROW)
    assert uid == "2001000001"
    assert meta == {"lyrics": "感受", "notes": "D#4 0.40 | C4 0.50"}
    with pytest.raises(ValueError, match="7"):
        parse_row("2001000001|感受|g an")
    with pytest.raises(ValueError, match="phonemes"):
        parse_row("2001000001|感|g an|D4|0.4|0.1 0.3|0 0")
    with pytest.raises(ValueError):
        parse_row("2001000001|感|g an|H4 H4|0.4 0.4|0.1 0.3|0 0")


def test_splits_and_problems(tmp_path: Path) -> None:
    test_row = _ROW.replace("2001000001", "2044000001")
    bad = "2001000003|感|g an"
    root = _corpus(
        tmp_path,
        [_ROW, bad, _ROW.replace("2001000001", "2001000002")],
        [test_row],
        ["2001000001", "2044000001", "2100000009"],
    )
    items = list(registry()["opencpop"](Root(str(root))).scan())
    recs = {r.recording_id: r.split for r in items if isinstance(r, Recording)}
    assert recs == {"2001000001": "train", "2044000001": "test"}
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("segments/train.txt:2", "bad_row"),
        ("segments/wavs/2001000002.wav", "missing_audio"),
        ("segments/wavs/2100000009.wav", "missing_label"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    problems = registry()["opencpop"](Root(str(tmp_path))).check_layout()
    assert len(problems) == 1 and "segments/train.txt" in problems[0]
    _corpus(tmp_path, [], [_ROW], [])
    assert registry()["opencpop"](Root(str(tmp_path))).check_layout() == []
