"""LibriMix: metadata CSVs of either script version, paths re-rooted, options, targets, problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray.errors import RecipeError
from tests.unit.recipes._util import files, parts_equal_scan, problems, recipe, recordings, scan

OLD = "mixture_ID,mixture_path,source_1_path,source_2_path,length\n"
NEW = "mixture_ID,original_mixture_ID,mixture_path,source_1_path,source_2_path,noise_path,length\n"
MIX = "84-121123-0000_652-130726-0001"


def _corpus(root: Path, rate: str = "8k", mode: str = "max") -> Path:
    base = f"Libri2Mix/wav{rate}/{mode}"
    gen = f"C:\\data\\Libri2Mix\\wav{rate}\\{mode}\\dev"
    return files(
        root,
        {
            f"{base}/metadata/mixture_dev_mix_clean.csv": OLD
            + f"{MIX},{gen}\\mix_clean\\{MIX}.wav,{gen}\\s1\\{MIX}.wav,{gen}\\s2\\{MIX}.wav,1000\n"
            + ",,,,\n",
            f"{base}/metadata/mixture_train-360_mix_both.csv": NEW
            + f"{MIX},{MIX},/x/mix.wav,/x/s1.wav,/x/s2.wav,/x/n.wav,1000\n",
            f"{base}/metadata/metrics_dev_mix_clean.csv": "mixture_ID,source_1_SNR\n",
            f"{base}/dev/mix_clean/{MIX}.wav": b"",
            f"{base}/dev/s1/{MIX}.wav": b"",
            f"{base}/train-360/s1/{MIX}.wav": b"",
        },
    )


def test_scan_reroots_csv_paths(tmp_path: Path) -> None:
    items = scan("librimix", _corpus(tmp_path))
    rec = recordings(items)[f"{MIX}_mix_clean"]
    assert (rec.audio, rec.split) == (f"Libri2Mix/wav8k/max/dev/mix_clean/{MIX}.wav", "dev")
    assert rec.meta["target_audio"] == f"Libri2Mix/wav8k/max/dev/s1/{MIX}.wav"
    assert rec.meta["speaker"] == "librispeech_84"
    assert set(problems(items)) == {
        ("Libri2Mix/wav8k/max/metadata/mixture_dev_mix_clean.csv:3", "bad_index"),
        (f"Libri2Mix/wav8k/max/train-360/mix_both/{MIX}.wav", "missing_audio"),
    }
    assert parts_equal_scan("librimix", tmp_path)


def test_options_choose_rate_mode_and_types(tmp_path: Path) -> None:
    _corpus(tmp_path)
    _corpus(tmp_path, "16k", "min")
    assert recipe("librimix", tmp_path).parts()[0].startswith("Libri2Mix/wav16k/min/")
    assert recipe("librimix", tmp_path, {"rate": "8k", "mode": "max"}).parts()[0].startswith("Libri2Mix/wav8k/max/")
    assert recipe("librimix", tmp_path, {"types": ["mix_both"]}).parts() == [
        "Libri2Mix/wav16k/min/metadata/mixture_train-360_mix_both.csv"
    ]
    with pytest.raises(RecipeError):
        recipe("librimix", tmp_path, {"types": ["mix_noisy"]}).parts()


def test_root_may_be_a_libri_n_mix_folder(tmp_path: Path) -> None:
    _corpus(tmp_path)
    rec = recordings(scan("librimix", tmp_path / "Libri2Mix"))[f"{MIX}_mix_clean"]
    assert rec.audio == f"wav8k/max/dev/mix_clean/{MIX}.wav"


def test_check_layout_names_the_metadata_folder(tmp_path: Path) -> None:
    assert "metadata/" in recipe("librimix", tmp_path).check_layout()[0]
