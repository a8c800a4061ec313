"""CSD recipe: problems for missing or broken files, the song-level split, the layout check."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray.recipes.base import Problem, Recording, hash_split, registry
from audioflan_ray.recipes.csd import read_notes
from audioflan_ray.storage import Root
from tests.fixtures.corpora._midi_write import write_midi

_CSV = "start,end,pitch,syllable\n0.5,0.9,60,t_w_i_ng\n1.0,1.4,67,k_eo_l\n"


def _song(root: Path, lang: str, rec_id: str, *, csv: str | None = _CSV, lyric: bool = True, mid: bool = True) -> None:
    base = root / lang
    for sub in ("wav", "csv", "lyric", "mid"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "wav" / f"{rec_id}.wav").write_bytes(b"RIFF")
    if csv is not None:
        (base / "csv" / f"{rec_id}.csv").write_text(csv)
    if lyric:
        (base / "lyric" / f"{rec_id}.txt").write_text("twinkle\n\ntwinkle \n")
    if mid:
        write_midi(base / "mid" / f"{rec_id}.mid", 120, [(0.5, 0.9, 60), (1.0, 1.4, 67)])


def _scan(root: Path) -> list[Recording | Problem]:
    return list(registry()["csd"](Root(str(root))).scan())


def test_labels_and_song_level_split(tmp_path: Path) -> None:
    _song(tmp_path, "english", "en021a")
    _song(tmp_path, "english", "en021b")
    recs = [i for i in _scan(tmp_path) if isinstance(i, Recording)]
    assert [r.recording_id for r in recs] == ["en021a", "en021b"]
    assert {r.split for r in recs} == {hash_split("english/en021")}
    assert recs[0].meta == {
        "language": "English",
        "genre": "children's music",
        "lyrics": "twinkle twinkle",
        "notes": "C4 0.40 | rest 0.10 | G4 0.40",
        "beat_pitches": "beat1: rest; beat2: C4; beat3: G4",
    }


def test_missing_and_broken_files_are_problems(tmp_path: Path) -> None:
    _song(tmp_path, "korean", "kr001a", lyric=False)
    _song(tmp_path, "korean", "kr002a", csv=None)
    _song(tmp_path, "korean", "kr003a", csv="start,end,pitch\n0.5,0.9,60\n")
    _song(tmp_path, "korean", "kr004a", mid=False)
    (tmp_path / "korean" / "csv" / "kr005a.csv").write_text(_CSV)
    items = _scan(tmp_path)
    recs = {i.recording_id: i for i in items if isinstance(i, Recording)}
    assert sorted(recs) == ["kr001a", "kr003a", "kr004a"]
    assert "lyrics" not in recs["kr001a"].meta and "notes" in recs["kr001a"].meta
    assert "notes" not in recs["kr003a"].meta and recs["kr003a"].meta["lyrics"] == "twinkle twinkle"
    assert "beat_pitches" not in recs["kr004a"].meta and "notes" in recs["kr004a"].meta
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("korean/csv/kr003a.csv", "bad_annotation"),
        ("korean/csv/kr005a.csv", "missing_audio"),
        ("korean/lyric/kr001a.txt", "missing_lyrics"),
        ("korean/mid/kr004a.mid", "bad_midi"),
        ("korean/wav/kr002a.wav", "missing_label"),
    ]


def test_read_notes_rejects_bad_rows() -> None:
    assert read_notes(_CSV) == [(0.5, 0.9, 60.0), (1.0, 1.4, 67.0)]
    with pytest.raises(ValueError, match="line 2"):
        read_notes("start,end,pitch,syllable\n0.9,0.5,60,a\n")
    with pytest.raises(ValueError):
        read_notes("start,end,pitch,syllable\n0.1,0.5,C4,a\n")


def test_check_layout_names_the_language_folders(tmp_path: Path) -> None:
    problems = registry()["csd"](Root(str(tmp_path))).check_layout()
    assert len(problems) == 1 and "english/wav/" in problems[0] and "korean/wav/" in problems[0]
    (tmp_path / "korean" / "wav").mkdir(parents=True)
    assert registry()["csd"](Root(str(tmp_path))).check_layout() == []
