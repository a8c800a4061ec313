"""EmoV-DB recipe: CMU Arctic texts, sentence-based split, layout problems."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, hash_split
from audioflan_ray.recipes.emov_db import EmoVDB
from audioflan_ray.storage import Root

ARCTIC = '( arctic_a0001 "Author of the danger trail, Philip Steels, etc." )\n( arctic_b0002 "Other set." )\n'


def wav(root: Path, rel: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(b"RIFF")


def test_texts_split_by_sentence_and_problems(tmp_path: Path) -> None:
    for rel in (
        "bea/Amused/amused_1-15_0001.wav",
        "sam/Sleepy/sleepiness_1-28_0001.wav",
        "sam/Neutral/neutral_1-28_0002.wav",
        "sam/Bored/bored_1-28_0001.wav",
        "sam/Neutral/take2.wav",
    ):
        wav(tmp_path, rel)
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "arctic.data").write_text(ARCTIC)
    items = list(EmoVDB(Root(str(tmp_path)), {"transcripts": "texts/arctic.data"}).scan())
    got = {i.recording_id: i for i in items if isinstance(i, Recording)}
    assert sorted(got) == ["bea_amused_1-15_0001", "sam_neutral_1-28_0002", "sam_sleepiness_1-28_0001"]
    bea = got["bea_amused_1-15_0001"]
    assert bea.meta["transcript"] == "Author of the danger trail, Philip Steels, etc."
    assert bea.meta["gender"] == "female" and bea.meta["emotion"] == "amused"
    assert got["sam_sleepiness_1-28_0001"].meta["emotion"] == "sleepy"
    assert bea.split == got["sam_sleepiness_1-28_0001"].split == hash_split("arctic_a0001")
    assert "transcript" not in got["sam_neutral_1-28_0002"].meta
    assert sorted((p.path.rsplit("/", 1)[-1], p.reason) for p in items if isinstance(p, Problem)) == [
        ("bored_1-28_0001.wav", "bad_layout"),
        ("neutral_1-28_0002.wav", "unknown_sentence"),
        ("take2.wav", "bad_layout"),
    ]


def test_without_cmuarctic_data_one_problem_and_no_transcripts(tmp_path: Path) -> None:
    wav(tmp_path, "EmoV-DB_sorted/jenie/Angry/anger_1-28_0011.wav")
    items = list(EmoVDB(Root(str(tmp_path))).scan())
    assert [(type(i).__name__, getattr(i, "reason", "")) for i in items] == [
        ("Recording", ""),
        ("Problem", "missing_transcripts"),
    ]
    rec = items[0]
    assert isinstance(rec, Recording) and "transcript" not in rec.meta and rec.meta["parallel_id"] == "arctic_a0011"


def test_check_layout_names_the_speakers(tmp_path: Path) -> None:
    found = EmoVDB(Root(str(tmp_path))).check_layout()
    assert found and "bea, jenie, josh, sam" in found[0]
