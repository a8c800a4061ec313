"""Fluent Speech Commands recipe: intent wording, root forms, demographics, splits, row problems."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.fluent_speech_commands import FluentSpeechCommands
from audioflan_ray.storage import Root

HEADER = ",path,speakerId,transcription,action,object,location\n"


def dataset(base: Path, split_file: str, rows: list[str], wavs: list[str]) -> None:
    (base / "data").mkdir(parents=True, exist_ok=True)
    (base / "data" / split_file).write_text(HEADER + "".join(f"{i},{r}\n" for i, r in enumerate(rows)))
    for rel in wavs:
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_bytes(b"RIFF")


def test_dataset_folder_as_root_valid_is_dev_and_no_demographics(tmp_path: Path) -> None:
    wav = "wavs/speakers/abc/u1.wav"
    dataset(tmp_path, "valid_data.csv", [f'{wav},abc,"Bring me my shoes, please",bring,shoes,none'], [wav])
    items = list(FluentSpeechCommands(Root(str(tmp_path))).scan())
    assert len(items) == 1 and isinstance(items[0], Recording)
    rec = items[0]
    assert rec.split == "dev" and rec.audio == wav and rec.recording_id == "u1"
    assert rec.meta["transcript"] == "Bring me my shoes, please"
    assert rec.meta["intent"] == "action: bring, object: shoes, location: none"
    assert rec.meta["speaker"] == "fluent_speech_commands_abc" and "gender" not in rec.meta


def test_parent_root_gender_and_row_problems(tmp_path: Path) -> None:
    base = tmp_path / "fluent_speech_commands_dataset"
    ok, gone = "wavs/speakers/abc/u1.wav", "wavs/speakers/abc/u2.wav"
    rows = [
        f"{ok},abc,Turn on the lights,activate,lights,kitchen",
        f"{gone},abc,Stop,deactivate,music,none",
        ",abc,,,,",
    ]
    dataset(base, "test_data.csv", rows, [ok])
    (base / "data" / "speaker_demographics.csv").write_text(
        "speakerId,Self-reported fluency level ,First Language spoken,Current language used for work/school,gender,"
        "ageRange\nabc,native,English,English,female,65+\n"
    )
    items = list(FluentSpeechCommands(Root(str(tmp_path))).scan())
    rec = items[0]
    assert isinstance(rec, Recording) and rec.split == "test" and rec.meta["gender"] == "female"
    assert rec.audio == f"fluent_speech_commands_dataset/{ok}"
    assert [(p.path.rsplit("/", 1)[-1], p.reason) for p in items if isinstance(p, Problem)] == [
        ("test_data.csv:4", "bad_row"),
        ("u2.wav", "missing_audio"),
    ]


def test_check_layout_names_the_csv(tmp_path: Path) -> None:
    found = FluentSpeechCommands(Root(str(tmp_path))).check_layout()
    assert found and "data/train_data.csv" in found[0]
