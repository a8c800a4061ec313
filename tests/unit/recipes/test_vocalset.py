"""VocalSet: labels from folders, official singer lists, parts, problems, check_layout."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recipe, Recording, registry, speaker_split
from audioflan_ray.storage import Root
from tests.fixtures.corpora import vocalset


def _recipe(root: Path) -> Recipe:
    return registry()["vocalset"](Root(str(root)))


def _touch(root: Path, rel: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(b"RIFF")


def test_parts_concatenate_to_the_scan_and_lists_decide_the_split(tmp_path: Path) -> None:
    vocalset.make(tmp_path)
    recipe = _recipe(tmp_path)
    assert recipe.parts() == ["female1", "female2", "male1", "male11"]
    assert [i for p in recipe.parts() for i in recipe.scan_part(p)] == list(recipe.scan())
    splits = {r.recording_id.split("_")[0]: r.split for r in recipe.scan() if isinstance(r, Recording)}
    assert splits == {
        "female1": "train",
        "female2": "test",
        "male1": "train",
        "male11": speaker_split("vocalset", "male11"),
    }


def test_without_lists_every_singer_is_held_out_by_speaker_split(tmp_path: Path) -> None:
    vocalset.make(tmp_path)
    for name in vocalset.SPLITS:
        (tmp_path / name).unlink()
    for rec in _recipe(tmp_path).scan():
        assert isinstance(rec, Recording)
        assert rec.split == speaker_split("vocalset", rec.recording_id.split("_")[0])


def test_bad_layout_unknown_technique_bad_singer_and_appledouble(tmp_path: Path) -> None:
    _touch(tmp_path, "FULL/female1/arpeggios/humming/f1_arpeggios_humming_a.wav")
    _touch(tmp_path, "FULL/female1/f1_loose.wav")
    _touch(tmp_path, "FULL/female1/arpeggios/belt/._f1_arpeggios_belt_a.wav")
    _touch(tmp_path, "FULL/tenor1/arpeggios/belt/t1_arpeggios_belt_a.wav")
    found = sorted((p.path, p.reason) for p in _recipe(tmp_path).scan() if isinstance(p, Problem))
    assert found == [
        ("FULL/female1/arpeggios/belt/._f1_arpeggios_belt_a.wav", "bad_layout"),
        ("FULL/female1/arpeggios/humming/f1_arpeggios_humming_a.wav", "bad_label"),
        ("FULL/female1/f1_loose.wav", "bad_layout"),
        ("FULL/tenor1/arpeggios/belt/t1_arpeggios_belt_a.wav", "bad_label"),
    ]


def test_check_layout_names_full(tmp_path: Path) -> None:
    (msg,) = _recipe(tmp_path).check_layout()
    assert "FULL/" in msg
