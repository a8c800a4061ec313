"""AliMeeting: TextGrid formats and encodings, turns lettered by first appearance, near-field segments, problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audioflan_ray.recipes import _textgrid
from audioflan_ray.recipes.alimeeting import turns
from tests.fixtures.corpora.alimeeting import long_textgrid, short_textgrid
from tests.unit.recipes._util import files, parts_equal_scan, problems, recipe, recordings, scan

TIERS = {"R1_M1_M_SPK2": [(1.5, 2.5, "后来"), (3.0, 3.5, "对")], "F_SPK1": [(0.5, 1.6, "先说"), (2.4, 2.4, "x")]}


@pytest.mark.parametrize("writer", [long_textgrid, short_textgrid])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_textgrid_formats_and_encodings(writer: object, encoding: str) -> None:
    text = writer(TIERS, 4.0)  # type: ignore[operator]
    tiers = _textgrid.parse(_textgrid.decode(text.encode(encoding)))
    assert [t.name for t in tiers] == list(TIERS)
    assert [s for s in tiers[0].spans if s[2]] == TIERS["R1_M1_M_SPK2"]
    assert tiers[1].spans[0] == (0.0, 0.5, "")  # the empty interval before the first utterance


def test_textgrid_quotes_points_and_errors() -> None:
    header = 'File type = "ooTextFile"\nObject class = "TextGrid"\n\n0\n2\n<exists>\n1\n'
    short = header + '"TextTier"\n"p"\n0\n2\n1\n0.7\n"say ""hi"""\n'
    assert _textgrid.parse(short)[0].spans == [(0.7, 0.7, 'say "hi"')]
    with pytest.raises(ValueError, match="not a TextGrid"):
        _textgrid.parse("xmin = 0\n")
    with pytest.raises(ValueError, match="ends early"):
        _textgrid.parse(short[: short.index('"p"')])


def test_turns_letter_speakers_by_first_appearance() -> None:
    tiers = _textgrid.parse(long_textgrid(TIERS, 4.0))
    assert turns(tiers) == "0.50-1.60 A, 1.50-2.50 B, 3.00-3.50 B"


def _corpus(root: Path) -> Path:
    return files(
        root,
        {
            "Train_Ali_far/textgrid_dir/R1_M1.TextGrid": long_textgrid(TIERS, 4.0),
            "Train_Ali_far/audio_dir/R1_M1_MS001.wav": b"",
            "Train_Ali_far/audio_dir/R2_M2_MS002.wav": b"",
            "Train_Ali_far/audio_dir/session.wav": b"",
            "Train_Ali_near/textgrid_dir/R1_M1_M_SPK2.TextGrid": short_textgrid({"x": TIERS["R1_M1_M_SPK2"]}, 4.0),
            "Train_Ali_near/audio_dir/R1_M1_M_SPK2.wav": b"",
            "Test_Ali_far/textgrid_dir/R9_M9.TextGrid": "not a textgrid",
            "Test_Ali_far/audio_dir/R9_M9_MS009.wav": b"",
            "Test_Ali_far/textgrid_dir/R8_M8.TextGrid": long_textgrid({"F_SPK8": [(0.0, 1.0, "")]}, 1.0),
            "Test_Ali_far/audio_dir/R8_M8_MS008.wav": b"",
        },
    )


def test_scan(tmp_path: Path) -> None:
    items = scan("alimeeting", _corpus(tmp_path))
    recs = recordings(items)
    assert recs["R1_M1_MS001"].meta["turns"] == "0.50-1.60 A, 1.50-2.50 B, 3.00-3.50 B"
    near = recs["R1_M1_M_SPK2"].meta
    assert (near["speaker"], near["gender"]) == ("alimeeting_SPK2", "male")
    assert json.loads(near["segments"]) == [[1.5, 2.5], [3.0, 3.5]]
    assert set(problems(items)) == {
        ("Train_Ali_far/audio_dir/R2_M2_MS002.wav", "missing_annotation"),
        ("Train_Ali_far/audio_dir/session.wav", "bad_layout"),
        ("Test_Ali_far/textgrid_dir/R9_M9.TextGrid", "bad_annotation"),
        ("Test_Ali_far/textgrid_dir/R8_M8.TextGrid", "bad_annotation"),
    }
    assert {r.split for r in recs.values()} == {"train"}
    assert parts_equal_scan("alimeeting", tmp_path)


def test_mics_option_and_check_layout(tmp_path: Path) -> None:
    assert "textgrid_dir" in recipe("alimeeting", tmp_path).check_layout()[0]
    _corpus(tmp_path)
    assert recipe("alimeeting", tmp_path, {"mics": ["near"]}).parts() == ["Train_Ali_near"]
