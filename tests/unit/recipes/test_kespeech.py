"""KeSpeech: task folders to splits, subdialects in words, speaker tables, noise tags, problems, check_layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray import vocab
from tests.unit.recipes._util import files, parts_equal_scan, problems, recipe, recordings, scan

ASR = "Tasks/ASR"


def _corpus(root: Path, wav_path: str = "Audio/100/phase1/100_a.wav") -> Path:
    return files(
        root,
        {
            "Metadata/spk2gender": "100 Female\n200 Male\n",
            "Metadata/spk2age": "100 19\n200 62\n",
            "Metadata/spk2city": "100 西安\n",
            f"{ASR}/train_phase1/wav.scp": f"100_a {wav_path}\n",
            f"{ASR}/train_phase1/text": "100_a <SPOKEN_NOISE>我们走吧\n",
            f"{ASR}/train_phase1/utt2spk": "100_a 100\n",
            f"{ASR}/train_phase1/utt2subdialect": "100_a Lan-Yin\n",
            f"{ASR}/dev_phase2/wav.scp": "200_b Audio/200/phase2/200_b.wav\n",
            f"{ASR}/dev_phase2/text": "200_b 你好\n200_c 多余的一行\n",
            f"{ASR}/dev_phase2/utt2spk": "200_b 200\n",
            f"{ASR}/dev_phase2/utt2subdialect": "200_b Cantonese\n",
            "Audio/100/phase1/100_a.wav": b"",
            "Audio/200/phase2/200_b.wav": b"",
        },
    )


def test_labels_splits_and_noise_tags(tmp_path: Path) -> None:
    items = scan("kespeech", _corpus(tmp_path))
    rec = recordings(items)["100_a"]
    assert rec.split == "train"
    assert rec.meta["transcript"] == "我们走吧" and rec.meta["raw_transcript"] == "<SPOKEN_NOISE>我们走吧"
    assert rec.meta["dialect"] == "Lan-Yin Mandarin"
    assert (rec.meta["speaker"], rec.meta["gender"], rec.meta["age"], rec.meta["region"]) == (
        "kespeech_100",
        "female",
        "teens",
        "西安",
    )
    assert set(problems(items)) == {
        ("Tasks/ASR/dev_phase2/text:200_c", "bad_index"),
        ("Tasks/ASR/dev_phase2/wav.scp:200_b", "unknown_label"),
    }


def test_absolute_wav_paths_and_missing_audio(tmp_path: Path) -> None:
    items = scan("kespeech", _corpus(tmp_path, "/data/KeSpeech/Audio/100/phase1/100_a.wav"))
    assert recordings(items)["100_a"].audio == "Audio/100/phase1/100_a.wav"
    (tmp_path / "Audio/100/phase1/100_a.wav").unlink()
    assert ("Audio/100/phase1/100_a.wav", "missing_audio") in problems(scan("kespeech", tmp_path))


def test_root_may_be_the_parent_and_parts_concatenate_to_scan(tmp_path: Path) -> None:
    _corpus(tmp_path / "KeSpeech")
    assert recipe("kespeech", tmp_path).parts() == ["train_phase1", "dev_phase2"]
    assert recordings(scan("kespeech", tmp_path))["100_a"].audio == "KeSpeech/Audio/100/phase1/100_a.wav"
    assert parts_equal_scan("kespeech", tmp_path)


def test_check_layout_names_the_task_files(tmp_path: Path) -> None:
    assert "Tasks/ASR/" in recipe("kespeech", tmp_path).check_layout()[0]
    assert recipe("kespeech", _corpus(tmp_path)).check_layout() == []


@pytest.mark.parametrize(
    ("written", "words"),
    [("Mandarin", "Standard Mandarin"), ("Jiao-Liao", "Jiao-Liao Mandarin"), ("southwestern", "Southwestern Mandarin")],
)
def test_vocab_dialect(written: str, words: str) -> None:
    assert vocab.canonical("dialect", written) == words
    assert vocab.dialect(words) == words


def test_vocab_dialect_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="dialect"):
        vocab.dialect("Wu")
