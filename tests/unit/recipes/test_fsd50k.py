"""FSD50K recipe: label words, single-class clips from the smeared ground truth, splits and problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.fsd50k import FSD50K
from audioflan_ray.storage import Root

DOG = '"Bark,Dog,Domestic_animals_and_pets,Animal"'
CAT = '"Meow,Cat,Domestic_animals_and_pets,Animal"'


def corpus(root: Path, dev: str, eval_: str, wavs: list[str]) -> Path:
    (root / "FSD50K.ground_truth").mkdir(parents=True)
    (root / "FSD50K.ground_truth/dev.csv").write_text("fname,labels,mids,split\n" + dev)
    (root / "FSD50K.ground_truth/eval.csv").write_text("fname,labels,mids\n" + eval_)
    for w in wavs:
        (root / w).parent.mkdir(parents=True, exist_ok=True)
        (root / w).write_bytes(b"RIFF")
    return root


def scan(root: Path) -> list[Recording | Problem]:
    return list(FSD50K(Root(str(root))).scan())


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("Accelerating_and_revving_and_vroom", "accelerating"),
        ("Motor_vehicle_(road)", "motor vehicle (road)"),
        ("Domestic_sounds_and_home_sounds", "domestic sounds"),
        ("Hi-hat", "hi-hat"),
    ],
)
def test_label_words(label: str, words: str) -> None:
    assert vocab.fsd50k_class(label) == words


def test_single_class_clips_get_a_label_and_mixtures_do_not(tmp_path: Path) -> None:
    dev = f'1,{DOG},"m",train\n2,{DOG},"m",val\n3,"Bark,Meow,Dog,Cat,Domestic_animals_and_pets,Animal","m",train\n'
    root = corpus(
        tmp_path, dev, f'4,{CAT},"m"\n', [f"FSD50K.dev_audio/{i}.wav" for i in (1, 2, 3)] + ["FSD50K.eval_audio/4.wav"]
    )
    got = {r.recording_id: r for r in scan(root) if isinstance(r, Recording)}
    assert got["1"].meta == {"label": "bark", "labels": "bark, dog, domestic animals, animal"}
    assert "label" not in got["3"].meta
    assert got["4"].meta["label"] == "meow"
    assert [got[k].split for k in "1234"] == ["train", "dev", "train", "test"]


def test_problems(tmp_path: Path) -> None:
    dev = f'1,{DOG},"m",train\n1,{DOG},"m",train\n2,{DOG},"m",validation\n3,,,train\n5,{DOG},"m",val\n'
    root = corpus(tmp_path, dev, "", ["FSD50K.dev_audio/1.wav", "FSD50K.eval_audio/9.wav"])
    items = scan(root)
    assert [r.recording_id for r in items if isinstance(r, Recording)] == ["1"]
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("FSD50K.dev_audio/5.wav", "missing_audio"),
        ("FSD50K.eval_audio/9.wav", "missing_label"),
        ("FSD50K.ground_truth/dev.csv:3", "duplicate"),
        ("FSD50K.ground_truth/dev.csv:4", "bad_metadata"),
        ("FSD50K.ground_truth/dev.csv:5", "bad_metadata"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    assert "FSD50K.ground_truth/dev.csv" in FSD50K(Root(str(tmp_path))).check_layout()[0]
