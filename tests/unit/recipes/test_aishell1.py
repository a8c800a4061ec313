"""AISHELL-1: split folders, segmented transcripts, speaker.info genders, problems, check_layout."""

from __future__ import annotations

from pathlib import Path

from tests.unit.recipes._util import files, parts_equal_scan, problems, recipe, recordings, scan

TRANSCRIPT = "data_aishell/transcript/aishell_transcript_v0.8.txt"


def _corpus(root: Path) -> Path:
    return files(
        root,
        {
            TRANSCRIPT: "BAC009S0002W0122 而 对 楼市\nBAC009S0724W0121 甚至 出现\nBAC009S0901W0400 没有 音频\nbroken\n",
            "resource_aishell/speaker.info": "0002 F\n0724 M\n0901 X\n",
            "data_aishell/wav/train/S0002/BAC009S0002W0122.wav": b"",
            "data_aishell/wav/dev/S0724/BAC009S0724W0121.wav": b"",
            "data_aishell/wav/test/S0764/BAC009S0764W0200.wav": b"",
            "data_aishell/wav/test/BAC009S0764W0201.wav": b"",
        },
    )


def test_scan_labels_and_problems(tmp_path: Path) -> None:
    items = scan("aishell1", _corpus(tmp_path))
    recs = recordings(items)
    assert recs["BAC009S0002W0122"].meta["transcript"] == "而对楼市"
    assert recs["BAC009S0002W0122"].meta["raw_transcript"] == "而 对 楼市"
    assert recs["BAC009S0002W0122"].meta["gender"] == "female" and recs["BAC009S0724W0121"].split == "dev"
    assert recs["BAC009S0724W0121"].meta["speaker"] == "aishell1_S0724"
    assert set(problems(items)) == {
        (f"{TRANSCRIPT}:4", "bad_transcript"),
        ("resource_aishell/speaker.info:3", "unknown_label"),
        ("data_aishell/wav/test/S0764/BAC009S0764W0200.wav", "missing_transcript"),
        ("data_aishell/wav/test/BAC009S0764W0201.wav", "bad_layout"),
        (f"{TRANSCRIPT}:BAC009S0901W0400", "missing_audio"),
    }
    assert parts_equal_scan("aishell1", tmp_path)


def test_root_may_be_data_aishell_itself_without_genders(tmp_path: Path) -> None:
    _corpus(tmp_path)
    recs = recordings(scan("aishell1", tmp_path / "data_aishell"))
    assert recs["BAC009S0002W0122"].audio == "wav/train/S0002/BAC009S0002W0122.wav"
    assert "gender" not in recs["BAC009S0002W0122"].meta


def test_check_layout_names_the_transcript(tmp_path: Path) -> None:
    assert "aishell_transcript_v0.8.txt" in recipe("aishell1", tmp_path).check_layout()[0]
