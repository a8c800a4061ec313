"""Vocal Imitation Set recipe: imitated-sound words, participants, original recordings and problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray.recipes.base import Problem, Recording, speaker_split
from audioflan_ray.recipes.vocal_imitation import VocalImitation, class_words
from audioflan_ray.storage import Root

HEAD = "\timitation_id\timitation_filename\tcategory_id\t" + "\t".join(f"category_d{i}" for i in range(1, 7))
HEAD += "\treference_filename\tincluded\tdraft\ttraining\tparticipant_id\n"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        (["Animal", "Domestic animals, pets", "Dog", "Bark"], "dog bark"),
        (["Animal", "Livestock, farm animals, working animals", "Fowl", "Chicken, rooster", "Cluck"], "chicken cluck"),
        (["Animal", "Wild animals", "Bird", "Bird flight, flapping wings"], "bird flight"),
        (["Animal", "Wild animals", "Insect", "Cricket"], "cricket"),
        (["Animal", "Domestic animals, pets", "Cat"], "cat"),
        (["Music", "Musical instrument", "Percussion", "Drum", "Tabla"], "tabla"),
        (["Sounds of things", "Alarm", "Siren", "Police car (siren)"], "police car (siren)"),
    ],
)
def test_class_words(path: list[str], words: str) -> None:
    assert class_words(path) == words


def row(i: int, filename: str, included: str, draft: str = "False", pid: str = "4875300000000000.0") -> str:
    cats = "Sounds of things\tAlarm\tSiren\tPolice car (siren)\t\t"
    return f"{i}\t{i}\t{filename}\t159\t{cats}\tref.wav\t{included}\t{draft}\tFalse\t{pid}\n"


def test_imitations_participants_and_problems(tmp_path: Path) -> None:
    rows = [
        row(0, "a.wav", "True"),
        row(1, "b.wav", "False", draft="True"),
        row(2, "c.wav", "True"),  # no audio
        row(3, "", "True"),
        row(4, "d.wav", "True", pid=""),
    ]
    (tmp_path / "vocal_imitations.txt").write_text(HEAD + "".join(rows))
    for name in ("a.wav", "d.wav", "stray.wav"):
        (tmp_path / "vocal_imitations/included").mkdir(parents=True, exist_ok=True)
        (tmp_path / "vocal_imitations/included" / name).write_bytes(b"RIFF")
    items = list(VocalImitation(Root(str(tmp_path))).scan())
    got = {r.recording_id: r for r in items if isinstance(r, Recording)}
    speaker = "vocal_imitation_4875300000000000"
    assert got["imitation_0"].meta == {"imitated": "police car (siren)", "speaker": speaker}
    assert got["imitation_0"].split == speaker_split("vocal_imitation", speaker)
    assert got["imitation_4"].meta == {"imitated": "police car (siren)"}
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("vocal_imitations.txt:5", "bad_metadata"),
        ("vocal_imitations/excluded/b.wav", "excluded"),
        ("vocal_imitations/included/c.wav", "missing_audio"),
        ("vocal_imitations/included/stray.wav", "missing_label"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    found = VocalImitation(Root(str(tmp_path))).check_layout()
    assert "vocal_imitations.txt" in found[0] and "original_recordings_classes.txt" in found[0]
