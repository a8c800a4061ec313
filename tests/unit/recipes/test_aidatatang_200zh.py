"""aidatatang_200zh: transcript file, per-utterance .txt fallback, unsegmenting, problems, check_layout."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.aidatatang_200zh import unsegment
from tests.unit.recipes._util import files, parts_equal_scan, problems, recipe, recordings, scan

TRANSCRIPT = "aidatatang_200zh/transcript/aidatatang_200_zh_transcript.txt"


def test_scan(tmp_path: Path) -> None:
    files(
        tmp_path,
        {
            TRANSCRIPT: "T0055G0002S0001 以后 你 是 男孩子\nT0055G0002S0009 没有 音频\n",
            "aidatatang_200zh/corpus/dev/G0002/T0055G0002S0001.wav": b"",
            "aidatatang_200zh/corpus/dev/G0002/T0055G0002S0002.wav": b"",
            "aidatatang_200zh/corpus/dev/G0002/T0055G0002S0002.txt": "打开 空调\n",
            "aidatatang_200zh/corpus/train/G0013/T0055G0013S0001.wav": b"",
            "aidatatang_200zh/corpus/train/T0055G0013S0002.wav": b"",
        },
    )
    items = scan("aidatatang_200zh", tmp_path)
    recs = recordings(items)
    assert recs["T0055G0002S0001"].meta["transcript"] == "以后你是男孩子" and recs["T0055G0002S0001"].split == "dev"
    assert recs["T0055G0002S0002"].meta["transcript"] == "打开空调"
    assert recs["T0055G0002S0001"].meta["speaker"] == "aidatatang_200zh_G0002"
    assert set(problems(items)) == {
        ("aidatatang_200zh/corpus/train/G0013/T0055G0013S0001.wav", "missing_transcript"),
        ("aidatatang_200zh/corpus/train/T0055G0013S0002.wav", "bad_layout"),
        (f"{TRANSCRIPT}:T0055G0002S0009", "missing_audio"),
    }
    assert parts_equal_scan("aidatatang_200zh", tmp_path)


def test_unsegment_keeps_spaces_next_to_latin() -> None:
    assert unsegment("我 要 听 MP3 格式 的 歌") == "我要听 MP3 格式的歌"
    assert unsegment("打开  空调") == "打开空调"


def test_check_layout_names_the_transcript(tmp_path: Path) -> None:
    assert "aidatatang_200_zh_transcript.txt" in recipe("aidatatang_200zh", tmp_path).check_layout()[0]
