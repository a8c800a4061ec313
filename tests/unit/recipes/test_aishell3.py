"""AISHELL-3: content.txt pairs, pinyin kept and turned into IPA, age bands, accents, problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray import vocab
from audioflan_ray.recipes._pinyin import syllable_ipa, to_ipa
from tests.unit.recipes._util import files, parts_equal_scan, problems, recipe, recordings, scan


def _corpus(root: Path) -> Path:
    return files(
        root,
        {
            "spk-info.txt": "# comment\nSSB0005\tA\tfemale\tnorth\nSSB0009 D male others\nSSB0010\tE\tmale\tnorth\n",
            "train/content.txt": "SSB00050001.wav\t你 ni3 好 hao3\nSSB00090001.wav\t嗯 ng4\nSSB00050002.wav\t缺 que1\n",
            "test/content.txt": "SSB00100001.wav\t三 san1 个 ge4\n",
            "train/wav/SSB0005/SSB00050001.wav": b"",
            "train/wav/SSB0009/SSB00090001.wav": b"",
            "test/wav/SSB0010/SSB00100001.wav": b"",
        },
    )


def test_scan_labels(tmp_path: Path) -> None:
    items = scan("aishell3", _corpus(tmp_path))
    recs = recordings(items)
    first = recs["SSB00050001"].meta
    assert (first["transcript"], first["pinyin"], first["phonemes"]) == ("你好", "ni3 hao3", "n i˨˩˦ x aʊ˨˩˦")
    assert (first["age"], first["gender"], first["accent"]) == ("under 14", "female", "Northern")
    second = recs["SSB00090001"].meta
    assert "phonemes" not in second and second["pinyin"] == "ng4"  # a syllable the table has no reading for
    assert (second["age"], "accent" in second) == ("over 40", False)
    assert "age" not in recs["SSB00100001"].meta and recs["SSB00100001"].split == "test"
    assert set(problems(items)) == {
        ("spk-info.txt:4", "unknown_label"),
        ("train/wav/SSB0005/SSB00050002.wav", "missing_audio"),
    }
    assert parts_equal_scan("aishell3", tmp_path)


def test_bad_lines_and_unlisted_wavs(tmp_path: Path) -> None:
    _corpus(tmp_path)
    (tmp_path / "test/content.txt").write_text("SSB00100001.wav 三 san1\nSSB00100002.wav\t三\n", encoding="utf-8")
    found = problems(scan("aishell3", tmp_path))
    assert ("test/content.txt:1", "bad_transcript") in found and ("test/content.txt:2", "bad_transcript") in found
    assert ("test/wav/SSB0010/SSB00100001.wav", "missing_transcript") in found


def test_root_may_be_the_parent_and_check_layout(tmp_path: Path) -> None:
    assert "content.txt" in recipe("aishell3", tmp_path).check_layout()[0]
    _corpus(tmp_path / "data_aishell3")
    assert (
        recordings(scan("aishell3", tmp_path))["SSB00050001"].audio == "data_aishell3/train/wav/SSB0005/SSB00050001.wav"
    )


@pytest.mark.parametrize(
    ("pinyin", "ipa"),
    [
        ("zhi1", "ʈʂ ɻ̩˥"),
        ("ci2", "tsʰ ɹ̩˧˥"),
        ("xue2", "ɕ ɥ e˧˥"),
        ("lv4", "l y˥˩"),
        ("lu:4", "l y˥˩"),
        ("gui4", "k w eɪ˥˩"),
        ("jiu3", "tɕ j oʊ˨˩˦"),
        ("dun4", "t w ə n˥˩"),
        ("yuan2", "ɥ ɛ n˧˥"),
        ("wo3", "w o˨˩˦"),
        ("er2", "aɚ˧˥"),
        ("huar1", "x w a ɻ˥"),
        ("ma5", "m a"),
    ],
)
def test_pinyin_to_ipa(pinyin: str, ipa: str) -> None:
    assert " ".join(syllable_ipa(pinyin)) == ipa


def test_pinyin_rejects_what_is_not_pinyin() -> None:
    for bad in ("hao", "xyz3", "ng4"):
        with pytest.raises(ValueError):
            to_ipa(bad)


@pytest.mark.parametrize(
    ("low", "high", "band"),
    [(None, 13, "under 14"), (None, 9, "child"), (14, 25, "14-25"), (20, 29, "twenties"), (41, None, "over 40")],
)
def test_vocab_age_band(low: int | None, high: int | None, band: str) -> None:
    assert vocab.age_band(low, high) == band


def test_vocab_age_band_rejects_an_empty_band() -> None:
    with pytest.raises(ValueError):
        vocab.age_band(30, 20)
    with pytest.raises(ValueError):
        vocab.age_band(None, None)
