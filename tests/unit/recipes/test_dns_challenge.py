"""DNS Challenge: clean subsets of each release, readers as speakers, test pairs, the noise recipe."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import speaker_split
from tests.unit.recipes._util import files, parts_equal_scan, problems, recipe, recordings, scan


def test_subset_layout_of_later_releases(tmp_path: Path) -> None:
    files(
        tmp_path,
        {
            "datasets/clean/read_speech/book_01284_chp_0014_reader_09022_5.wav": b"",
            "datasets/clean/german_speech/de/clip_001.wav": b"",
            "datasets/clean/singing_voice/f1/arpeggio.wav": b"",
            "datasets/impulse_responses/SLR26/simulated_rirs_16k/smallroom/Room001/Room001-00001.wav": b"",
            "datasets_fullband/clean_fullband/read_speech/book_00002_chp_0001_reader_00011_0.wav": b"",
            "datasets/noise/door_Freesound_validated_1_2.wav": b"",
        },
    )
    items = scan("dns_challenge", tmp_path)
    recs = recordings(items)
    read = recs["read_speech_book_01284_chp_0014_reader_09022_5"]
    assert read.meta == {
        "speaker": "dns_challenge_09022",
        "language": "English",
        "language_code": "en",
        "speaking_style": "read",
    }
    assert read.split == speaker_split("dns_challenge", "09022")
    assert recs["german_speech_de_clip_001"].meta == {"language": "German", "language_code": "de"}
    assert recs["singing_voice_f1_arpeggio"].meta == {"speaking_style": "singing"}
    assert not any("impulse_responses" in r.audio or "noise" in r.audio for r in recs.values())
    assert len(recs) == 4 and problems(items) == []
    assert parts_equal_scan("dns_challenge", tmp_path)


def test_test_pairs_and_flat_clean(tmp_path: Path) -> None:
    files(
        tmp_path,
        {
            "clean/book_00000_chp_0009_reader_06709_0.wav": b"",
            "test_set/synthetic/no_reverb/clean/clean_fileid_3.wav": b"",
            "test_set/synthetic/no_reverb/noisy/a_b_snr5_tl-20_fileid_3.wav": b"",
            "test_set/synthetic/no_reverb/noisy/a_b_snr5_tl-20.wav": b"",
        },
    )
    items = scan("dns_challenge", tmp_path)  # the root is the datasets folder itself
    recs = recordings(items)
    assert (
        recs["test_no_reverb_fileid_3"].meta["target_audio"] == "test_set/synthetic/no_reverb/clean/clean_fileid_3.wav"
    )
    assert recs["test_no_reverb_fileid_3"].split == "test"
    assert "book_00000_chp_0009_reader_06709_0" in recs
    assert problems(items) == [("test_set/synthetic/no_reverb/noisy/a_b_snr5_tl-20.wav", "bad_layout")]


def test_noise_labels_and_check_layouts(tmp_path: Path) -> None:
    assert "datasets/clean" in recipe("dns_challenge", tmp_path).check_layout()[0]
    assert "datasets/noise" in recipe("dns_noise", tmp_path).check_layout()[0]
    files(
        tmp_path,
        {
            "datasets_fullband/noise_fullband/kitchen_Freesound_validated_77_0.wav": b"",
            "datasets_fullband/noise_fullband/Zx8rD3x_abc.wav": b"",
        },
    )
    recs = recordings(scan("dns_noise", tmp_path))
    assert recs["kitchen_Freesound_validated_77_0"].meta == {"label": "kitchen"}
    assert recs["Zx8rD3x_abc"].meta == {}
