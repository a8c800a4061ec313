"""vocadito recipe: metadata rows, language spellings, annotator choice, problems, layout check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from audioflan_ray.recipes.base import Problem, Recording, registry, speaker_split
from audioflan_ray.recipes.vocadito import read_notes
from audioflan_ray.storage import Root

_META = "track_id,singer_id,average_pitch,language\n"


def _corpus(root: Path, rows: list[str], files: dict[str, str]) -> Path:
    (root / "vocadito_metadata.csv").write_text(_META + "".join(f"{r}\n" for r in rows))
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _track(
    n: int, notes: str = "0.5,440.0,0.5\n1.0,466.16,0.25\n", lyrics: str | None = "la la\n\nla"
) -> dict[str, str]:
    files = {
        f"Audio/vocadito_{n}.wav": "x",
        f"Annotations/Notes/vocadito_{n}_notesA1.csv": notes,
        f"Annotations/Notes/vocadito_{n}_notesA2.csv": "0.5,261.63,1.0\n",
    }
    if lyrics is not None:
        files[f"Annotations/Lyrics/vocadito_{n}_lyrics.txt"] = lyrics
    return files


def _scan(root: Path, **options: Any) -> list[Recording | Problem]:
    return list(registry()["vocadito"](Root(str(root)), options).scan())


def test_labels_languages_and_annotators(tmp_path: Path) -> None:
    rows = ["1,S1,69,Catalan/Valencian", "2,S2,60,French+English", "3,S2,60,none", "4,S3,60,Mandarin"]
    root = _corpus(tmp_path, rows, {**_track(1), **_track(2), **_track(3), **_track(4)})
    recs = {r.recording_id: r for r in _scan(root) if isinstance(r, Recording)}
    assert recs["vocadito_1"].meta == {
        "speaker": "vocadito_S1",
        "language": "Catalan",
        "lyrics": "la la la",
        "notes": "A4 0.50 | A#4 0.25",
    }
    assert "language" not in recs["vocadito_2"].meta and "language" not in recs["vocadito_3"].meta
    assert recs["vocadito_4"].meta["language"] == "Mandarin Chinese"
    assert recs["vocadito_2"].split == recs["vocadito_3"].split == speaker_split("vocadito", "vocadito_S2")
    a2 = {r.recording_id: r for r in _scan(root, annotator="A2") if isinstance(r, Recording)}
    assert a2["vocadito_1"].meta["notes"] == "C4 1.00"


def test_problems(tmp_path: Path) -> None:
    rows = ["1,S1,60,Klingon", "2,S1,60,English", "3,S1,60,English", "5,S1,60,English"]
    files = {**_track(1), **_track(2, notes="0.5,0,0.3\n", lyrics=None), **_track(4)}
    files["Audio/vocadito_3.wav"] = "x"
    root = _corpus(tmp_path, rows, files)
    items = _scan(root)
    assert sorted(r.recording_id for r in items if isinstance(r, Recording)) == [
        "vocadito_1",
        "vocadito_2",
        "vocadito_3",
    ]
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("Annotations/Lyrics/vocadito_2_lyrics.txt", "missing_lyrics"),
        ("Annotations/Lyrics/vocadito_3_lyrics.txt", "missing_lyrics"),
        ("Annotations/Notes/vocadito_2_notesA1.csv", "bad_annotation"),
        ("Annotations/Notes/vocadito_3_notesA1.csv", "missing_notes"),
        ("Audio/vocadito_1.wav", "unknown_label"),
        ("Audio/vocadito_4.wav", "missing_label"),
        ("Audio/vocadito_5.wav", "missing_audio"),
    ]


def test_read_notes_rejects_bad_rows() -> None:
    with pytest.raises(ValueError, match="line 2"):
        read_notes("0.5,440,0.5\n0.5,440\n")


def test_check_layout(tmp_path: Path) -> None:
    assert "vocadito_metadata.csv" in registry()["vocadito"](Root(str(tmp_path))).check_layout()[0]
    assert "annotator" in registry()["vocadito"](Root(str(tmp_path)), {"annotator": "A3"}).check_layout()[0]
    (tmp_path / "vocadito_metadata.csv").write_text(_META)
    assert registry()["vocadito"](Root(str(tmp_path))).check_layout() == []
