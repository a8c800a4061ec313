"""ASVspoof 2019 LA and 2021 LA / DF: protocols and keys, attacks to vocoders, speakers on bona fide only."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray import vocab
from tests.unit.recipes._util import files, parts_equal_scan, problems, recipe, recordings, scan

CM = "LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm"


def test_2019_protocols(tmp_path: Path) -> None:
    files(
        tmp_path,
        {
            f"{CM}.train.trn.txt": "LA_0079 LA_T_1 - - bonafide\nLA_0079 LA_T_2 - A06 spoof\nLA_0079 LA_T_3 - A06\n",
            f"{CM}.eval.trl.txt": (
                "LA_0039 LA_E_1 - A18 spoof\nLA_0039 LA_E_2 - - bonafide\nLA_0039 LA_E_3 - - genuine\n"
            ),
            "LA/ASVspoof2019_LA_asv_protocols/ASVspoof2019.LA.asv.eval.female.trn.txt": "LA_0039 LA_E_7,LA_E_8\n",
            "LA/ASVspoof2019_LA_train/flac/LA_T_1.flac": b"",
            "LA/ASVspoof2019_LA_train/flac/LA_T_2.flac": b"",
            "LA/ASVspoof2019_LA_eval/flac/LA_E_1.flac": b"",
        },
    )
    items = scan("asvspoof2019_la", tmp_path)
    recs = recordings(items)
    assert recs["LA_T_1"].meta["speaker"] == "asvspoof2019_la_LA-0079" and "vocoder" not in recs["LA_T_1"].meta
    assert (recs["LA_T_2"].meta["attack"], recs["LA_T_2"].meta["vocoder"]) == ("A06", "spectral filtering")
    assert "speaker" not in recs["LA_T_2"].meta
    assert (recs["LA_E_1"].split, recs["LA_E_1"].meta["vocoder"]) == ("test", "MFCC vocoder")
    assert set(problems(items)) == {
        (f"{CM}.train.trn.txt:3", "bad_index"),
        ("LA/ASVspoof2019_LA_eval/flac/LA_E_2.flac", "missing_audio"),
        (f"{CM}.eval.trl.txt:3", "unknown_label"),
    }
    assert parts_equal_scan("asvspoof2019_la", tmp_path)
    assert recipe("asvspoof2019_la", tmp_path / "LA").parts() == ["train", "eval"]


def test_2019_check_layout(tmp_path: Path) -> None:
    assert "ASVspoof2019_LA_cm_protocols" in recipe("asvspoof2019_la", tmp_path).check_layout()[0]


def test_2021_la_keys_in_any_usual_place(tmp_path: Path) -> None:
    rows = "LA_0009 LA_E_1 alaw ita_tx A13 spoof notrim eval\nLA_0009 LA_E_2 none loc_tx - bonafide notrim hidden\n"
    files(tmp_path, {"ASVspoof2021_LA_eval/flac/LA_E_1.flac": b"", "ASVspoof2021_LA_eval/flac/LA_E_2.flac": b""})
    assert "keys/LA/CM/trial_metadata.txt" in recipe("asvspoof2021_la", tmp_path).check_layout()[0]
    files(tmp_path, {"ASVspoof2021_LA_eval/keys/LA/CM/trial_metadata.txt": rows})
    recs = recordings(scan("asvspoof2021_la", tmp_path))
    assert recs["LA_E_1"].meta["vocoder"] == "waveform filtering" and recs["LA_E_2"].meta["spoof"] == "bonafide"
    assert {r.split for r in recs.values()} == {"test"}
    files(tmp_path, {"elsewhere/meta.txt": rows.replace("A13", "A01")})
    recs = recordings(scan("asvspoof2021_la", tmp_path, {"keys": "elsewhere/meta.txt"}))
    assert recs["LA_E_1"].meta["vocoder"] == "WaveNet"


def test_2021_df_vocoder_categories(tmp_path: Path) -> None:
    files(
        tmp_path,
        {
            "keys/DF/CM/trial_metadata.txt": (
                "LA_0023 DF_E_1 nocodec asvspoof A14 spoof notrim progress neural_vocoder_autoregressive - - - -\n"
                "TEF2 DF_E_2 low_m4a vcc2020 Task1-team20 spoof notrim eval unknown Task1 team20 FF E\n"
                "LA_0023 DF_E_3 nocodec asvspoof A14 spoof notrim eval\n"
            ),
            "ASVspoof2021_DF_eval/flac/DF_E_1.flac": b"",
            "ASVspoof2021_DF_eval/flac/DF_E_2.flac": b"",
        },
    )
    items = scan("asvspoof2021_df", tmp_path)
    recs = recordings(items)
    assert recs["DF_E_1"].meta["vocoder"] == "autoregressive neural vocoder"
    assert recs["DF_E_2"].meta == {
        "spoof": "spoof",
        "attack": "Task1-team20",
        "language": "English",
        "language_code": "en",
    }
    assert problems(items) == [("keys/DF/CM/trial_metadata.txt:3", "bad_index")]


@pytest.mark.parametrize("unknown", ["unknown", "bonafide", "-"])
def test_vocab_vocoder_unknown_is_absent(unknown: str) -> None:
    assert vocab.vocoder(unknown) is None


def test_vocab_vocoder_rejects_new_spellings() -> None:
    assert vocab.canonical("vocoder", "waveform_concatenation") == "waveform concatenation"
    with pytest.raises(ValueError, match="vocoder"):
        vocab.vocoder("diffwave")
