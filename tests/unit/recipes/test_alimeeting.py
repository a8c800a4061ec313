"""AliMeeting: TextGrid formats and encodings, turns lettered by first appearance, near-field utterances, problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audioflan_ray.recipes import _textgrid
from audioflan_ray.recipes.alimeeting import said, turns
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


def test_markers_are_not_speech() -> None:
    assert said("  好的<%>，<sil>  对 ") == "好的， 对"  # removed, not replaced by a space
    assert said("<sil>") == said("<space> <#>") == ""
    tiers = _textgrid.parse(long_textgrid({"F_SPK1": [(0.5, 1.0, "<sil>"), (1.0, 2.0, "嗯<->")]}, 3.0))
    assert turns(tiers) == "1.00-2.00 A"


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
    far = recs["R1_M1_MS001"].meta
    assert (far["turns"], far["device"]) == ("0.50-1.60 A, 1.50-2.50 B, 3.00-3.50 B", "8-channel microphone array")
    # one recording per speech interval of the headset wav, named by the interval's index in its tier
    near = {rid: r for rid, r in recs.items() if rid.startswith("R1_M1_M_SPK2")}
    assert sorted(near) == ["R1_M1_M_SPK2_0001", "R1_M1_M_SPK2_0003"]
    assert {r.audio for r in near.values()} == {"Train_Ali_near/audio_dir/R1_M1_M_SPK2.wav"}
    first = near["R1_M1_M_SPK2_0001"].meta
    assert json.loads(first["segments"]) == [[1.5, 2.5]]
    assert (first["transcript"], first["speaker"], first["gender"]) == ("后来", "alimeeting_SPK2", "male")
    assert (first["speaking_style"], first["device"]) == ("conversational", "headset microphone")
    assert near["R1_M1_M_SPK2_0003"].meta["transcript"] == "对"
    assert set(problems(items)) == {
        ("Train_Ali_far/audio_dir/R2_M2_MS002.wav", "missing_annotation"),
        ("Train_Ali_far/audio_dir/session.wav", "bad_layout"),
        ("Test_Ali_far/textgrid_dir/R9_M9.TextGrid", "bad_annotation"),
        ("Test_Ali_far/textgrid_dir/R8_M8.TextGrid", "bad_annotation"),
    }
    assert {r.split for r in recs.values()} == {"train"}
    assert parts_equal_scan("alimeeting", tmp_path)


def test_near_textgrid_with_several_speaking_tiers(tmp_path: Path) -> None:
    other = [(0.1, 0.9, "别人")]
    grids = {
        "R1_M1_F_SPK1": {"R1_M1_M_SPK2": other, "R1_M1_F_SPK1": [(1.0, 2.0, "我的")]},  # the wearer's tier wins
        "R2_M2_F_SPK3": {"R2_M2_M_SPK4": other, "F_SPK5": other},  # none is the wearer's
    }
    layout: dict[str, str | bytes] = {}
    for stem, tiers in grids.items():
        layout[f"Train_Ali_near/textgrid_dir/{stem}.TextGrid"] = long_textgrid(tiers, 3.0)
        layout[f"Train_Ali_near/audio_dir/{stem}.wav"] = b""
    items = scan("alimeeting", files(tmp_path, layout))
    recs = recordings(items)
    assert sorted(recs) == ["R1_M1_F_SPK1_0001"] and recs["R1_M1_F_SPK1_0001"].meta["transcript"] == "我的"
    assert set(problems(items)) == {("Train_Ali_near/textgrid_dir/R2_M2_F_SPK3.TextGrid", "bad_annotation")}


def test_mics_option_and_check_layout(tmp_path: Path) -> None:
    assert "textgrid_dir" in recipe("alimeeting", tmp_path).check_layout()[0]
    _corpus(tmp_path)
    assert recipe("alimeeting", tmp_path, {"mics": ["near"]}).parts() == ["Train_Ali_near"]
