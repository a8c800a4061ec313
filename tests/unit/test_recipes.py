"""Recipes against real corpus files: golden scans of the bundled samples, plus layout edge cases built in tmp_path.

Regenerate the goldens with ``python tests/golden/make_golden.py`` and check the diff by eye.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from audioflan_ray.recipes.base import METADATA_FIELDS, Problem, Recording, registry, speaker_split
from audioflan_ray.storage import Root
from tests.conftest import shared_corpus
from tests.fixtures.corpora import modules as fixture_modules
from tests.golden.make_golden import MANIFEST_CLIPS, golden_dict, write_manifest_fixture

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "audioflan_ray" / "demo" / "samples"
GOLDEN = REPO / "tests" / "golden" / "recipes"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPORA = SHARED / "corpora"
CV_EN = "cv-corpus-6.1-2020-12-11/en"
LIBRI_FLAC = SAMPLES / "librispeech/LibriSpeech/test-clean/1089/134686/1089-134686-0000.flac"
STAND_IN = SAMPLES / "fsdd" / "recordings" / "7_theo_0.wav"  # any bytes do: a scan never opens audio
BUNDLED = ["audiomnist", "common_voice", "crema_d", "esc50", "fsdd", "librispeech", "ljspeech", "nsynth", "vctk"]


def scan(name: str, root: Path, options: dict[str, Any] | None = None) -> list[Recording | Problem]:
    return list(registry()[name](Root(str(root)), options).scan())


def touch(root: Path, *rels: str) -> None:
    for rel in rels:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STAND_IN, root / rel)


def as_dicts(items: list[Recording | Problem]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(item) for item in items]


def golden(stem: str) -> list[dict[str, Any]]:
    lines = (GOLDEN / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def recordings(items: list[Recording | Problem]) -> dict[str, Recording]:
    return {item.recording_id: item for item in items if isinstance(item, Recording)}


def problems(items: list[Recording | Problem]) -> list[tuple[str, str]]:
    return [(item.path, item.reason) for item in items if isinstance(item, Problem)]


# --- golden scans -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_sample_matches_golden(name: str) -> None:
    assert as_dicts(scan(name, SAMPLES / name)) == golden(name)


@pytest.mark.parametrize(("stem", "name"), [("gtzan", "gtzan"), ("esc50_shared", "esc50")])
def test_shared_corpus_matches_golden(stem: str, name: str) -> None:
    root = CORPORA / name
    if not root.exists():
        if name == "gtzan":
            pytest.skip("../shared/corpora absent: GTZAN is not redistributable")
        pytest.skip("../shared/corpora absent")
    assert as_dicts(scan(name, root)) == golden(stem)


@pytest.mark.parametrize("name", ["ravdess", "clotho"])
def test_not_redistributable_shared_corpus_matches_golden(name: str) -> None:
    assert [golden_dict(i) for i in scan(name, shared_corpus(name))] == golden(name)


def test_manifest_fixture_matches_golden(tmp_path: Path) -> None:
    write_manifest_fixture(tmp_path)
    assert as_dicts(scan("manifest", tmp_path)) == golden("manifest")


#: recipes whose split may put one speaker in several splits, and why (each recipe's card says so)
SPEAKERS_MAY_CROSS = {
    "ljspeech": "one speaker: no split can hold a speaker out",
    # Official splits win where a corpus has them (each card says so); these two split every speaker's utterances.
    "esd": "official train / evaluation / test folders within each speaker",
    "hi_fi_tts": "official train / dev / test manifests within each reader",
}


def _speaker_splits(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    """speaker (or Common Voice's client id) -> the splits its recordings are in."""
    out: dict[str, set[str]] = {}
    for row in rows:
        meta = row.get("meta") or {}
        who = meta.get("speaker") or meta.get("client_id")
        if who is not None:
            out.setdefault(str(who), set()).add(row["split"])
    return out


@pytest.mark.parametrize("stem", sorted(p.stem for p in GOLDEN.glob("*.jsonl")))
def test_no_speaker_crosses_splits_in_golden_scans(stem: str) -> None:
    crossing = {who: sorted(s) for who, s in _speaker_splits(golden(stem)).items() if len(s) > 1}
    assert stem in SPEAKERS_MAY_CROSS or crossing == {}


@pytest.mark.parametrize("name", BUNDLED)
def test_no_speaker_crosses_splits_in_bundled_samples(name: str) -> None:
    rows = as_dicts([r for r in scan(name, SAMPLES / name) if isinstance(r, Recording)])
    crossing = {who: sorted(s) for who, s in _speaker_splits(rows).items() if len(s) > 1}
    assert name in SPEAKERS_MAY_CROSS or crossing == {}


def test_every_registered_recipe_has_a_golden_file() -> None:
    missing = [name for name in registry() if not (GOLDEN / f"{name}.jsonl").is_file()]
    assert missing == []


def test_golden_labels_keep_the_values_their_recipe_promises() -> None:
    """``values`` tells coverage and the plan which tasks a recipe can never feed: no scanned label may lie outside."""
    outside = []
    for path in sorted(GOLDEN.glob("*.jsonl")):
        name = path.stem
        cls = registry().get(name) or registry().get(str(getattr(fixture_modules().get(name), "RECIPE", "")))
        for line in path.read_text(encoding="utf-8").splitlines():
            meta = json.loads(line).get("meta") or {}
            for field, allowed in (cls.values if cls else {}).items():
                if field in meta and str(meta[field]) not in allowed:
                    outside.append((name, field, meta[field]))
    assert outside == []


def test_scans_are_sorted_by_recording_id() -> None:
    for name in ["audiomnist", "common_voice", "crema_d", "fsdd", "nsynth", "vctk"]:
        ids = [r.recording_id for r in scan(name, SAMPLES / name) if isinstance(r, Recording)]
        assert ids == sorted(ids), name


@pytest.mark.parametrize("name", sorted(registry()))
def test_check_layout_reports_an_empty_folder(name: str, tmp_path: Path) -> None:
    found = registry()[name](Root(str(tmp_path))).check_layout()
    assert found and all(isinstance(p, str) and name in p for p in found)


@pytest.mark.parametrize("name", BUNDLED)
def test_check_layout_accepts_the_bundled_sample(name: str) -> None:
    assert registry()[name](Root(str(SAMPLES / name))).check_layout() == []


# --- LibriSpeech --------------------------------------------------------------------------------------------------


def _libri_chapter(tmp_path: Path, transcript: str) -> Path:
    chapter = tmp_path / "LibriSpeech" / "test-clean" / "1089" / "134686"
    chapter.mkdir(parents=True)
    shutil.copyfile(LIBRI_FLAC, chapter / "1089-134686-0000.flac")
    (chapter / "1089-134686.trans.txt").write_text(transcript, encoding="utf-8")
    return chapter


def test_librispeech_missing_final_newline_blank_lines_and_missing_audio(tmp_path: Path) -> None:
    _libri_chapter(tmp_path, "1089-134686-0000 HE HOPED THERE WOULD BE STEW\n\n1089-134686-0001 STUFF IT INTO YOU")
    items = scan("librispeech", tmp_path)
    assert recordings(items)["1089-134686-0000"].meta["transcript"] == "HE HOPED THERE WOULD BE STEW"
    assert recordings(items)["1089-134686-0000"].split == "test"
    assert problems(items) == [("LibriSpeech/test-clean/1089/134686/1089-134686-0001.flac", "missing_audio")]


def test_librispeech_flac_without_transcript_line(tmp_path: Path) -> None:
    chapter = _libri_chapter(tmp_path, "1089-134686-0000 HE HOPED\n")
    shutil.copyfile(LIBRI_FLAC, chapter / "1089-134686-0002.flac")
    items = scan("librispeech", tmp_path / "LibriSpeech")  # the LibriSpeech folder itself as the root
    assert list(recordings(items)) == ["1089-134686-0000"]
    assert problems(items) == [("test-clean/1089/134686/1089-134686-0002.flac", "missing_transcript")]


def test_librispeech_speakers_txt_gives_gender(tmp_path: Path) -> None:
    _libri_chapter(tmp_path, "1089-134686-0000 HE HOPED\n")
    (tmp_path / "LibriSpeech" / "SPEAKERS.TXT").write_text(
        "; Some of the speakers have been assigned to subsets.\n"
        ";ID  |SEX| SUBSET           |MINUTES| NAME\n"
        "60   | M | train-clean-100  | 20.18 | |CBW|Simon\n"
        "1089 | M | test-clean | 25.00 | Mike Pelton\n",
        encoding="utf-8",
    )
    meta = recordings(scan("librispeech", tmp_path))["1089-134686-0000"].meta
    assert meta["gender"] == "male"
    assert (meta["speaker"], meta["chapter"]) == ("librispeech_1089", "134686")


def test_librispeech_split_from_subset_folder(tmp_path: Path) -> None:
    for subset, speaker, chapter in [("dev-other", "116", "288045"), ("train-clean-100", "19", "198")]:
        folder = tmp_path / subset / speaker / chapter
        folder.mkdir(parents=True)
        shutil.copyfile(LIBRI_FLAC, folder / f"{speaker}-{chapter}-0000.flac")
        (folder / f"{speaker}-{chapter}.trans.txt").write_text(f"{speaker}-{chapter}-0000 A B\n", encoding="utf-8")
    (tmp_path / "other" / "1" / "2").mkdir(parents=True)
    (tmp_path / "other" / "1" / "2" / "1-2.trans.txt").write_text("", encoding="utf-8")
    items = scan("librispeech", tmp_path)
    assert {k: r.split for k, r in recordings(items).items()} == {"116-288045-0000": "dev", "19-198-0000": "train"}
    assert problems(items) == [("other/1/2/1-2.trans.txt", "bad_layout")]


# --- VCTK ---------------------------------------------------------------------------------------------------------


def test_vctk_092_layout_uses_mic1_and_p_prefixed_speaker_info(tmp_path: Path) -> None:
    wavs = tmp_path / "wav48_silence_trimmed" / "p255"
    wavs.mkdir(parents=True)
    for mic in ["mic1", "mic2"]:
        shutil.copyfile(LIBRI_FLAC, wavs / f"p255_367_{mic}.flac")
    shutil.copyfile(LIBRI_FLAC, wavs / "p255_368_mic1.flac")  # no txt
    (tmp_path / "txt" / "p255").mkdir(parents=True)
    shutil.copyfile(SAMPLES / "vctk/VCTK-Corpus/txt/p255/p255_367.txt", tmp_path / "txt/p255/p255_367.txt")
    (tmp_path / "speaker-info.txt").write_text(
        "ID  AGE  GENDER  ACCENTS  REGION  COMMENTS\np255  19  M    Scottish  Galloway  (a comment)\n",
        encoding="utf-8",
    )
    items = scan("vctk", tmp_path)
    rec = recordings(items)["p255_367"]
    assert rec.audio == "wav48_silence_trimmed/p255/p255_367_mic1.flac"
    assert rec.meta["region"] == "Galloway" and rec.meta["age"] == "teens" and rec.meta["gender"] == "male"
    assert (rec.meta["speaker"], rec.meta["accent"]) == ("vctk_p255", "Scottish")
    assert problems(items) == [("wav48_silence_trimmed/p255/p255_368_mic1.flac", "missing_transcript")]


# --- Common Voice -------------------------------------------------------------------------------------------------


def _cv_locale(tmp_path: Path) -> tuple[Path, list[str]]:
    """A copy of the bundled en locale; returns it and its validated.tsv lines (header first, CRLF kept)."""
    locale = tmp_path / "cv-corpus-x" / "en"
    shutil.copytree(SAMPLES / "common_voice" / CV_EN, locale)
    lines = (locale / "validated.tsv").read_bytes().decode().splitlines(keepends=True)
    return locale, lines


def test_common_voice_split_files_assign_splits(tmp_path: Path) -> None:
    locale, lines = _cv_locale(tmp_path)
    (locale / "train.tsv").write_text(lines[0] + lines[1], encoding="utf-8")
    (locale / "test.tsv").write_text(lines[0] + lines[2] + lines[3], encoding="utf-8")
    items = scan("common_voice", tmp_path / "cv-corpus-x")
    splits = {r.recording_id: r.split for r in recordings(items).values()}
    first, second, third = (line.split("\t")[1].removesuffix(".mp3") for line in lines[1:4])
    assert (splits[first], splits[second], splits[third]) == ("train", "test", "test")
    assert sum(s == "train" for s in splits.values()) == 13  # the 12 clips only in validated.tsv + 1
    assert len(splits) == 15 and problems(items) == []


def test_common_voice_empty_gender_is_absent_and_no_speaker(tmp_path: Path) -> None:
    items = scan("common_voice", SAMPLES / "common_voice" / CV_EN)  # a single locale folder as the root
    unlabeled = recordings(items)["common_voice_en_17294344"]  # gender, age and accent cells are empty
    assert not {"gender", "age", "accent", "speaker"} & set(unlabeled.meta)
    assert unlabeled.meta["language"] == "English" and unlabeled.meta["up_votes"] == 2
    assert recordings(items)["common_voice_en_78545"].meta["gender"] == "female"


def test_common_voice_zh_cn_province_code_goes_to_region() -> None:
    meta = recordings(scan("common_voice", SAMPLES / "common_voice"))["common_voice_zh-CN_22075038"].meta
    assert meta["region"] == "360000" and "accent" not in meta
    assert (meta["language"], meta["language_code"]) == ("Mandarin Chinese", "zh-CN")


def test_common_voice_missing_clip_and_csv_quoted_sentence(tmp_path: Path) -> None:
    locale, lines = _cv_locale(tmp_path)
    cells = lines[1].split("\t")
    quoted = [*cells[:2], '"He saw cinema as ""plastic art in motion""."', *cells[3:]]
    literal = [cells[0], "common_voice_en_1.mp3", '"Quote" marks stay.', *cells[3:]]
    (locale / "clips" / "common_voice_en_1.mp3").unlink(missing_ok=True)
    (locale / "validated.tsv").write_text(lines[0] + "\t".join(quoted) + "\t".join(literal), encoding="utf-8")
    items = scan("common_voice", locale)
    assert recordings(items)[cells[1].removesuffix(".mp3")].meta["transcript"] == (
        'He saw cinema as "plastic art in motion".'
    )
    assert problems(items) == [("clips/common_voice_en_1.mp3", "missing_audio")]


# --- FSDD ---------------------------------------------------------------------------------------------------------


def test_fsdd_held_out_speakers_unknown_speaker_and_bad_name(tmp_path: Path) -> None:
    (tmp_path / "recordings").mkdir()
    source = SAMPLES / "fsdd" / "recordings" / "7_theo_0.wav"
    for name in ["7_theo_4.wav", "7_theo_5.wav", "7_theo_49.wav", "7_alice_0.wav", "seven.wav"]:
        shutil.copyfile(source, tmp_path / "recordings" / name)
    items = scan("fsdd", tmp_path)
    recs = recordings(items)
    # every take of a speaker in that speaker's split, not takes 0-4 in test (the README's rule)
    assert {k: r.split for k, r in recs.items()} == {
        "7_alice_0": speaker_split("fsdd", "alice"),
        "7_theo_4": "train",
        "7_theo_5": "train",
        "7_theo_49": "train",
    }
    assert recs["7_theo_49"].meta["take"] == 49 and recs["7_theo_49"].meta["transcript"] == "seven"
    assert recs["7_theo_4"].meta["accent"] == "American" and recs["7_theo_4"].meta["speaker"] == "fsdd_theo"
    assert not {"gender", "accent"} & set(recs["7_alice_0"].meta)
    assert problems(items) == [("recordings/seven.wav", "bad_filename")]


# --- GTZAN --------------------------------------------------------------------------------------------------------


def test_gtzan_au_files_duplicates_and_stray_files(tmp_path: Path) -> None:
    source = SAMPLES / "fsdd" / "recordings" / "7_theo_0.wav"  # stand-in bytes: a scan never opens audio
    for rel in ["genres/jazz/jazz.00054.wav", "genres/jazz/jazz.00054.au", "genres/hiphop/hiphop.00001.au"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, tmp_path / rel)
    shutil.copyfile(source, tmp_path / "genres" / "stray.wav")
    (tmp_path / "genres" / "input.mf").write_text("genres/jazz/jazz.00054.au\tjazz\n", encoding="utf-8")
    items = scan("gtzan", tmp_path)
    recs = recordings(items)
    assert {k: (r.audio, r.meta["genre"]) for k, r in recs.items()} == {
        "hiphop.00001": ("genres/hiphop/hiphop.00001.au", "hip hop"),
        "jazz.00054": ("genres/jazz/jazz.00054.wav", "jazz"),
    }
    assert problems(items) == [("genres/jazz/jazz.00054.au", "duplicate"), ("genres/stray.wav", "bad_layout")]


# --- ESC-50, NSynth -----------------------------------------------------------------------------------------------


def test_esc50_row_without_clip_and_clip_without_row(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "esc50", tmp_path, dirs_exist_ok=True)
    with (tmp_path / "meta" / "esc50.csv").open("a", encoding="utf-8") as f:
        f.write("5-156999-C-19.wav,5,19,thunderstorm,False,156999,C\n")
    shutil.copyfile(tmp_path / "audio" / "1-100032-A-0.wav", tmp_path / "audio" / "9-1-A-0.wav")
    items = scan("esc50", tmp_path)
    assert list(recordings(items)) == ["1-100032-A-0"]
    assert problems(items) == [("audio/5-156999-C-19.wav", "missing_audio"), ("audio/9-1-A-0.wav", "missing_label")]


def test_nsynth_split_folder_as_root_and_valid_is_dev(tmp_path: Path) -> None:
    single = scan("nsynth", SAMPLES / "nsynth" / "nsynth-test")
    assert {r.split for r in recordings(single).values()} == {"test"}
    assert recordings(single)["guitar_acoustic_010-060-100"].audio == "audio/guitar_acoustic_010-060-100.wav"
    shutil.copytree(SAMPLES / "nsynth" / "nsynth-test", tmp_path / "nsynth-valid")
    assert {r.split for r in recordings(scan("nsynth", tmp_path)).values()} == {"dev"}
    assert registry()["nsynth"](Root(str(tmp_path / "nsynth-valid" / "audio"))).check_layout()


# --- CREMA-D ------------------------------------------------------------------------------------------------------


def test_crema_d_listing_problems_and_actor_split(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "crema_d", tmp_path, dirs_exist_ok=True)
    with (tmp_path / "SentenceFilenames.csv").open("a", encoding="utf-8") as f:
        f.write('4019,"1050_TIE_ANG_XX"\n8000,"1092_WSI_HAP_HI"\n')
    (tmp_path / "AudioWAV" / "1001_IOM_NEU_XX.wav").unlink()
    touch(tmp_path, "AudioWAV/1092_WSI_HAP_HI.wav", "AudioWAV/1050_IEO_DIS_LO.wav", "AudioWAV/1050_XYZ_SAD_XX.wav")
    items = scan("crema_d", tmp_path)
    recs = recordings(items)
    hi = recs["1092_WSI_HAP_HI"].meta  # actor 1092 is not in VideoDemographics.csv: no gender nor age
    assert hi == {
        "transcript": "We'll stop in a couple of minutes",
        "speaker": "crema_d_1092",
        "emotion": "happy",
        "intensity": "high",
        "language": "English",
        "language_code": "en",
        "parallel_id": "WSI",
    }
    assert "intensity" not in recs["1001_IOM_ANG_XX"].meta  # XX = unspecified
    assert problems(items) == [
        ("AudioWAV/1001_IOM_NEU_XX.wav", "missing_audio"),
        ("AudioWAV/1050_IEO_DIS_LO.wav", "unlisted"),
        ("AudioWAV/1050_TIE_ANG_XX.wav", "missing_audio"),
        ("AudioWAV/1050_XYZ_SAD_XX.wav", "bad_filename"),
    ]
    splits: dict[str, set[str]] = {}
    for rec in recs.values():
        splits.setdefault(rec.meta["speaker"], set()).add(rec.split)
    assert all(len(s) == 1 for s in splits.values())


def test_crema_d_without_listing_reads_every_clip(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "crema_d" / "AudioWAV", tmp_path / "AudioWAV")
    touch(tmp_path, "AudioWAV/1001_IEO_FEA_md.wav")
    items = scan("crema_d", tmp_path)
    assert len(recordings(items)) == 7 and "gender" not in recordings(items)["1050_TIE_SAD_XX"].meta
    assert problems(items) == [("AudioWAV/1001_IEO_FEA_md.wav", "bad_filename")]


# --- RAVDESS ------------------------------------------------------------------------------------------------------


def test_ravdess_fields_song_actor_folders_and_duplicates(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "Actor_07/03-01-08-02-02-02-07.wav",  # the zip's layout: Actor_NN at the root
        "Actor_12/03-02-05-01-01-01-12.wav",  # song
        "Actor_12/03-01-05-01-01-01-11.wav",  # actor 11's file in actor 12's folder
        "Actor_12/01-01-05-01-01-01-12.wav",  # modality 01 is audio-video
        "Actor_12/03-01-09-01-01-01-12.wav",  # no emotion 09
        "nested/Actor_07/03-01-08-02-02-02-07.wav",
    )
    items = scan("ravdess", tmp_path)
    recs = recordings(items)
    assert recs["03-01-08-02-02-02-07"].audio == "Actor_07/03-01-08-02-02-02-07.wav"
    assert recs["03-01-08-02-02-02-07"].meta == {
        "transcript": "Dogs are sitting by the door",
        "speaker": "ravdess_07",
        "gender": "male",
        "emotion": "surprised",
        "intensity": "strong",
        "language": "English",
        "language_code": "en",
        "parallel_id": "02",
        "take": 2,
    }
    sung = recs["03-02-05-01-01-01-12"].meta
    assert (sung["lyrics"], sung["speaking_style"], sung["gender"]) == (
        "Kids are talking by the door",
        "singing",
        "female",
    )
    assert "transcript" not in sung
    assert problems(items) == [
        ("Actor_12/01-01-05-01-01-01-12.wav", "bad_filename"),
        ("Actor_12/03-01-05-01-01-01-11.wav", "bad_layout"),
        ("Actor_12/03-01-09-01-01-01-12.wav", "bad_filename"),
        ("nested/Actor_07/03-01-08-02-02-02-07.wav", "duplicate"),
    ]
    assert registry()["ravdess"](Root(str(tmp_path))).check_layout() == []


# --- AudioMNIST ---------------------------------------------------------------------------------------------------


def test_audiomnist_data_folder_root_quirky_metadata_and_bad_files(tmp_path: Path) -> None:
    meta = {
        "07": {"accent": "Egyptian_American?", "age": "1234", "gender": "Female", "origin": "Africa, Egypt, Cairo"},
        "08": "not an object",
    }
    (tmp_path / "audioMNIST_meta.txt").write_text(json.dumps(meta), encoding="utf-8")
    touch(tmp_path, "07/4_07_3.wav", "09/1_09_0.wav", "07/1_09_1.wav", "07/four.wav")
    items = scan("audiomnist", tmp_path)  # the data folder itself as the root
    recs = recordings(items)
    assert recs["4_07_3"].meta == {
        "transcript": "four",
        "digit": 4,
        "speaker": "audiomnist_07",
        "gender": "female",
        "accent": "Egyptian American",
        "region": "Africa, Egypt, Cairo",
        "language": "English",
        "language_code": "en",
        "take": 3,
    }
    assert set(recs["1_09_0"].meta) == {"transcript", "digit", "speaker", "language", "language_code", "take"}
    assert problems(items) == [
        ("07/1_09_1.wav", "bad_layout"),
        ("07/four.wav", "bad_filename"),
        ("audioMNIST_meta.txt", "bad_metadata"),
    ]


def test_audiomnist_unreadable_metadata_is_a_problem(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "audiomnist", tmp_path, dirs_exist_ok=True)
    (tmp_path / "data" / "audioMNIST_meta.txt").write_text("{not json", encoding="utf-8")
    items = scan("audiomnist", tmp_path)
    assert len(recordings(items)) == 6 and "gender" not in recordings(items)["0_01_0"].meta
    assert problems(items) == [("data/audioMNIST_meta.txt", "bad_metadata")]


# --- Clotho -------------------------------------------------------------------------------------------------------


def test_clotho_splits_from_csv_names_and_row_problems(tmp_path: Path) -> None:
    header = "file_name,caption_1,caption_2,caption_3,caption_4,caption_5\r\n"
    (tmp_path / "clotho_captions_development.csv").write_text(
        header + 'Rain on roof.wav,"Rain falls, softly.",b,c,d,e\r\n'
        "Gone.wav,A missing clip,b,c,d,e\r\n"
        "Empty.wav,,b,c,d,e\r\n",
        encoding="utf-8",
    )
    (tmp_path / "clotho_captions_validation.csv").write_text(
        header + "Bird song.wav,  Birds chirp  ,b,c,d,e\r\nRain on roof.wav,again,b,c,d,e\r\n", encoding="utf-8"
    )
    (tmp_path / "clotho_captions_evaluation.csv").write_bytes((header + "Bell.wav,종소리,b,c,d,e\r\n").encode("cp949"))
    touch(
        tmp_path,
        "development/Rain on roof.wav",
        "development/Stray.wav",
        "validation/Bird song.wav",
        "evaluation/Bell.wav",
    )
    items = scan("clotho", tmp_path)
    recs = recordings(items)
    assert {k: (r.split, r.meta["caption"]) for k, r in recs.items()} == {
        "Bird song": ("dev", "Birds chirp"),
        "Rain on roof": ("train", "Rain falls, softly."),
    }
    assert problems(items) == [
        ("clotho_captions_development.csv:4", "bad_metadata"),
        ("clotho_captions_evaluation.csv", "bad_metadata"),
        ("clotho_captions_validation.csv:3", "duplicate"),
        ("development/Gone.wav", "missing_audio"),
        ("development/Stray.wav", "missing_label"),
        ("evaluation/Bell.wav", "missing_label"),
    ]


# --- manifest -----------------------------------------------------------------------------------------------------


def test_manifest_over_sample_clips_keeps_good_lines_and_reports_every_bad_one(tmp_path: Path) -> None:
    write_manifest_fixture(tmp_path)
    items = scan("manifest", tmp_path, {"domain": "speech"})
    recs = recordings(items)
    assert {k: (r.audio, r.split) for k, r in recs.items()} == {
        "am_9_42_10": ("clips/audiomnist/9_42_10.wav", "train"),
        "crema_1050": ("clips/crema_d/1050_TIE_SAD_XX.wav", "dev"),  # "./" normalized away
        "fsdd_7_theo_0": ("clips/fsdd/7_theo_0.wav", "test"),
    }
    # "" accent dropped; the speaker named as vocab names it
    assert recs["fsdd_7_theo_0"].meta == {"transcript": "seven", "digit": 7, "speaker": "manifest_theo"}
    assert recs["am_9_42_10"].meta == {"age": "twenties"}  # 29 years, as its group
    assert recs["am_9_42_10"].size == MANIFEST_CLIPS["clips/audiomnist/9_42_10.wav"].stat().st_size
    assert problems(items) == [
        ("manifest.jsonl:5", "bad_json"),
        ("manifest.jsonl:6", "unknown_field"),
        ("manifest.jsonl:7", "bad_line"),  # split "validation"
        ("manifest.jsonl:8", "missing_audio"),
        ("manifest.jsonl:9", "duplicate"),
        ("manifest.jsonl:10", "bad_line"),  # unknown key
        ("manifest.jsonl:11", "bad_line"),  # audio outside the root
        ("manifest.jsonl:12", "bad_line"),  # list value
        ("manifest.jsonl:13", "bad_line"),  # bool value
        ("manifest.jsonl:14", "bad_line"),  # not an object
        ("manifest.jsonl:15", "bad_line"),  # no recording_id
    ]


def test_manifest_options_domain_source_and_file(tmp_path: Path) -> None:
    write_manifest_fixture(tmp_path)
    (tmp_path / "manifest.jsonl").rename(tmp_path / "index.jsonl")
    cls = registry()["manifest"]
    assert cls.domain == "speech" and cls.provides == frozenset(METADATA_FIELDS)
    music = cls(Root(str(tmp_path)), {"domain": "music", "source": ["studio"], "file": "index.jsonl"})
    assert (music.domain, music.source, music.check_layout()) == ("music", ["studio"], [])
    assert cls.domain == "speech" and cls.source == ["manifest"]  # the instance's options do not leak
    assert len(recordings(list(music.scan()))) == 3
    default = cls(Root(str(tmp_path)), {"domain": "audio"})
    assert default.source == ["manifest"]
    assert default.check_layout() == [f"manifest: no manifest.jsonl under {tmp_path}"]
    assert problems(list(default.scan())) == [("manifest.jsonl", "missing_manifest")]
    bad = cls(Root(str(tmp_path)), {"domain": "sound", "source": "studio", "file": "index.jsonl"})
    assert bad.check_layout() == [
        "manifest: option domain 'sound' is not one of speech, music, audio",
        "manifest: option source must be a non-empty list of strings: 'studio'",
    ]
    assert "domain is required" in cls(Root(str(tmp_path)), {"file": "index.jsonl"}).check_layout()[0]


# --- labels in vocab's words, held-out speakers ---------------------------------------------------------------------


def test_speaker_split_recipes_keep_each_speaker_in_one_split(tmp_path: Path) -> None:
    """Corpora without a split of their own hold speakers out: many speakers spread over the three splits, every
    recording of one speaker in the same one."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    fsdd = [f"fsdd/recordings/{d}_{a}{b}_{t}.wav" for a in letters for b in "xyz" for d, t in ((1, 0), (2, 7))]
    ravdess = [f"ravdess/Actor_{a:02d}/03-01-0{e}-01-01-01-{a:02d}.wav" for a in range(1, 25) for e in (1, 3)]
    crema = [f"crema_d/AudioWAV/{1001 + a}_IEO_{e}_XX.wav" for a in range(91) for e in ("ANG", "SAD")]
    touch(tmp_path, *fsdd, *ravdess, *crema)
    for name in ("fsdd", "ravdess", "crema_d"):
        rows = as_dicts([r for r in scan(name, tmp_path / name) if isinstance(r, Recording)])
        by_speaker = _speaker_splits(rows)
        assert all(len(s) == 1 for s in by_speaker.values()), name
        assert set().union(*by_speaker.values()) == {"train", "dev", "test"}, name


def test_audiomnist_every_speaker_accent_and_age_in_vocab_words() -> None:
    recipe = registry()["audiomnist"](Root(str(SAMPLES / "audiomnist")))
    problems_found: list[Problem] = []
    speakers = recipe._speakers("data/", problems_found)  # all 60 speakers of the official metadata
    assert len(speakers) == 60 and problems_found == []
    accents = {s: v["accent"] for s, v in speakers.items()}
    assert accents["19"] == "Indian"  # "English": a native speaker from Delhi, not England's accent
    assert (accents["15"], accents["18"], accents["25"]) == ("Indian", "Levantine", "Brazilian")
    assert None not in accents.values() and "English" not in accents.values()
    assert speakers["45"]["age"] is None and speakers["44"]["age"] == "sixties"  # 1234 is no age; 61 is


def test_vctk_every_speaker_in_vocab_words() -> None:
    speakers = registry()["vctk"](Root(str(SAMPLES / "vctk")))._speakers("VCTK-Corpus/")
    accents = [v["accent"] for v in speakers.values()]
    assert len(speakers) == 109 and accents.count("English (England)") == 33 and "English" not in accents
    assert accents.count(None) == 1  # the one "Unknown"
    assert {v["gender"] for v in speakers.values()} == {"male", "female"}
    assert {v["age"] for v in speakers.values()} <= {"teens", "twenties", "thirties"}


def test_gtzan_fault_filtered_lists_are_the_split(tmp_path: Path) -> None:
    touch(tmp_path, "genres/jazz/jazz.00001.wav", "genres/jazz/jazz.00002.wav", "genres/pop/pop.00003.wav")
    (tmp_path / "train_filtered.txt").write_text("jazz/jazz.00001.au\n", encoding="utf-8")
    (tmp_path / "test_filtered.txt").write_text("pop/pop.00003.au\n\n", encoding="utf-8")
    items = scan("gtzan", tmp_path)
    assert {k: (r.split, r.meta["genre"]) for k, r in recordings(items).items()} == {
        "jazz.00001": ("train", "jazz"),
        "pop.00003": ("test", "pop"),
    }
    assert problems(items) == [("genres/jazz/jazz.00002.wav", "unlisted")]


def test_common_voice_validated_only_clips_follow_their_client(tmp_path: Path) -> None:
    locale, lines = _cv_locale(tmp_path)
    cells = [line.split("\t") for line in lines[1:]]
    rewritten = [lines[0]]
    for i, row in enumerate(cells[:4]):  # clips 0-1 by client A, 2-3 by client B
        rewritten.append("\t".join(["clientA" if i < 2 else "clientB", *row[1:]]))
    (locale / "validated.tsv").write_text("".join(rewritten), encoding="utf-8")
    (locale / "test.tsv").write_text(lines[0] + rewritten[1], encoding="utf-8")
    (locale / "train.tsv").write_text(lines[0] + rewritten[3], encoding="utf-8")
    splits = {r.recording_id: r.split for r in recordings(scan("common_voice", locale)).values()}
    ids = [row[1].removesuffix(".mp3") for row in cells[:4]]
    assert [splits[i] for i in ids] == ["test", "test", "train", "train"]


def test_common_voice_without_official_files_holds_clients_out() -> None:
    recs = recordings(scan("common_voice", SAMPLES / "common_voice" / CV_EN))  # validated.tsv only
    assert all(r.split == speaker_split("common_voice", r.meta["client_id"]) for r in recs.values())
    assert {r.meta.get("accent") for r in recs.values()} >= {"American", "English (England)", "Irish"}


def test_nsynth_instrument_family_and_id() -> None:
    recs = recordings(scan("nsynth", SAMPLES / "nsynth"))
    keys = ("instrument", "instrument_family", "instrument_id", "instrument_source")
    assert tuple(recs["keyboard_electronic_002-060-050"].meta[k] for k in keys) == (
        "electronic keyboard",
        "keyboard",
        "keyboard_electronic_002",
        "electronic",
    )
    assert recs["flute_synthetic_000-060-025"].meta["instrument"] == "synthetic flute"


def test_manifest_label_vocab_cannot_place_is_a_problem(tmp_path: Path) -> None:
    touch(tmp_path, "a.wav")
    lines = [
        {"recording_id": "a", "audio": "a.wav", "split": "train", "meta": {"emotion": "ANG", "language": "de"}},
        {"recording_id": "b", "audio": "a.wav", "split": "train", "meta": {"emotion": "grumpy"}},
    ]
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    items = scan("manifest", tmp_path, {"domain": "speech"})
    assert recordings(items)["a"].meta == {"emotion": "angry", "language": "German"}
    assert problems(items) == [("manifest.jsonl:2", "bad_label")]


def test_vocab_canonical_words_map_to_themselves() -> None:
    """A manifest written from recipe output passes through vocab again: every canonical value is a spelling."""
    from audioflan_ray import vocab

    for value in {*vocab._ACCENTS.values()}:
        assert vocab.accent(value) == value
    for value in {*vocab.LANGUAGES.values()}:
        assert vocab.language(value) == value
    assert [vocab.emotion(e) for e in vocab.EMOTIONS] == list(vocab.EMOTIONS)
    assert [vocab.age_group(a) for a in vocab.AGE_GROUPS] == list(vocab.AGE_GROUPS)
