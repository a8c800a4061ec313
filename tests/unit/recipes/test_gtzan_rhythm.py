"""GTZAN with GTZAN-Rhythm annotations: beats and tempo joined to the excerpts, annotation problems, plain roots."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root


def _write(root: Path, rel: str, text: str = "RIFF") -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text, encoding="utf-8")


def _scan(root: Path, options: dict[str, str] | None = None) -> list[Recording | Problem]:
    return list(registry()["gtzan"](Root(str(root)), options).scan())


def test_beats_and_tempo_join_their_excerpt_and_bad_files_are_problems(tmp_path: Path) -> None:
    _write(tmp_path, "genres/hiphop/hiphop.00012.wav")
    _write(tmp_path, "genres/jazz/jazz.00001.wav")
    _write(tmp_path, "genres/rock/rock.00003.wav")
    ann = "gtzan_tempo_beat/"
    _write(tmp_path, ann + "beats/gtzan_hiphop_00012.beats", "0.5\t1\n1.004\t2\n\n")
    _write(tmp_path, ann + "beats/gtzan_hiphop_00012_noposition.beats", "0.5\n1.004\n")
    _write(tmp_path, ann + "tempo/gtzan_hiphop_00012.bpm", "1.195000000000000000e+02\n")
    _write(tmp_path, ann + "beats/gtzan_jazz_00001.beats", "beat one\n")
    _write(tmp_path, ann + "tempo/gtzan_jazz_00001.bpm", "900\n")
    _write(tmp_path, ann + "tempo/gtzan_pop_00000.bpm", "120\n")
    items = _scan(tmp_path)
    recs = {r.recording_id: r.meta for r in items if isinstance(r, Recording)}
    assert recs == {
        "hiphop.00012": {"genre": "hip hop", "beats": "0.50, 1.00", "tempo": 119.5},
        "jazz.00001": {"genre": "jazz"},
        "rock.00003": {"genre": "rock"},
    }
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        (ann + "beats/gtzan_jazz_00001.beats", "bad_metadata"),
        (ann + "tempo/gtzan_jazz_00001.bpm", "bad_label"),
        (ann + "tempo/gtzan_pop_00000.bpm", "missing_audio"),
    ]


def test_rhythm_dir_option_and_mirdata_data_home(tmp_path: Path) -> None:
    _write(tmp_path, "gtzan_genre/genres/blues/blues.00000.wav")
    _write(tmp_path, "annotations/tempo/gtzan_blues_00000.bpm", "60\n")
    (rec,) = _scan(tmp_path, {"rhythm_dir": "annotations"})
    assert isinstance(rec, Recording) and rec.audio == "gtzan_genre/genres/blues/blues.00000.wav"
    assert rec.meta == {"genre": "blues", "tempo": 60.0}
    (plain,) = _scan(tmp_path)
    assert isinstance(plain, Recording) and plain.meta == {"genre": "blues"}
