"""LibriTTS / LibriTTS-R recipe: layout variants, speaker files, text fallbacks, parts and problems."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.libritts import LibriTTS
from audioflan_ray.storage import Root


def chapter(root: Path, subset: str, spk: str, chap: str, rows: list[tuple[str, str, str]], tsv: bool = True) -> Path:
    folder = root / subset / spk / chap
    folder.mkdir(parents=True, exist_ok=True)
    for utt, _, _ in rows:
        (folder / f"{utt}.wav").write_bytes(b"RIFF")
    if tsv:
        (folder / f"{spk}_{chap}.trans.tsv").write_text("".join(f"{u}\t{o}\t{n}\n" for u, o, n in rows))
    return folder


def scan(root: Path, **options: str) -> list[Recording | Problem]:
    return list(LibriTTS(Root(str(root)), options).scan())


def recs(items: list[Recording | Problem]) -> dict[str, Recording]:
    return {i.recording_id: i for i in items if isinstance(i, Recording)}


def probs(items: list[Recording | Problem]) -> list[tuple[str, str]]:
    return [(i.path.rsplit("/", 1)[-1], i.reason) for i in items if isinstance(i, Problem)]


def test_parts_keep_ids_sorted_and_concatenate_to_the_scan(tmp_path: Path) -> None:
    chapter(tmp_path, "dev-other", "103", "1241", [("103_1241_000000_000001", "A.", "A.")])
    chapter(tmp_path, "train-clean-360", "1034", "121119", [("1034_121119_000001_000000", "B.", "B.")])
    chapter(tmp_path, "test-clean", "1089", "134686", [("1089_134686_000001_000001", "C.", "C.")])
    recipe = LibriTTS(Root(str(tmp_path)))
    assert recipe.parts() == ["train-clean-360/1034", "dev-other/103", "test-clean/1089"]
    items = [i for p in recipe.parts() for i in recipe.scan_part(p)]
    assert items == list(recipe.scan())
    ids = [i.recording_id for i in items if isinstance(i, Recording)]
    assert ids == sorted(ids)
    assert [recs(items)[i].split for i in ids] == ["train", "dev", "test"]


def test_speakers_tsv_wins_over_speakers_txt_which_is_the_fallback(tmp_path: Path) -> None:
    chapter(tmp_path / "LibriTTS", "dev-clean", "84", "121123", [("84_121123_000007_000001", "M.", "M.")])
    (tmp_path / "LibriTTS" / "SPEAKERS.txt").write_text(";ID |SEX| SUBSET |MINUTES| NAME\n84 | M | dev-clean | 8 | X\n")
    assert recs(scan(tmp_path))["84_121123_000007_000001"].meta["gender"] == "male"
    (tmp_path / "LibriTTS" / "speakers.tsv").write_text("READER\tGENDER\tSUBSET\tNAME\n84\tF\tdev-clean\tX\n")
    assert recs(scan(tmp_path))["84_121123_000007_000001"].meta["gender"] == "female"


def test_texts_from_utterance_files_when_a_chapter_has_no_table(tmp_path: Path) -> None:
    folder = chapter(tmp_path, "train-clean-100", "19", "198", [("19_198_000000_000000", "", "")], tsv=False)
    (folder / "19_198_000000_000000.original.txt").write_text("Chapter 1.")
    (folder / "19_198_000000_000000.normalized.txt").write_text("Chapter one.")
    (folder / "19_198_000001_000000.wav").write_bytes(b"RIFF")
    items = scan(tmp_path)
    meta = recs(items)["19_198_000000_000000"].meta
    assert (meta["transcript"], meta["raw_transcript"], meta["chapter"]) == ("Chapter one.", "Chapter 1.", "198")
    assert meta["speaker"] == "libritts_19"
    assert probs(items) == [("19_198_000001_000000.wav", "missing_transcript")]


def test_bad_table_line_is_reported_once_and_stray_files_are_problems(tmp_path: Path) -> None:
    folder = chapter(tmp_path, "test-other", "1688", "142285", [("1688_142285_000000_000000", "A.", "A.")])
    (folder / "1688_142285_000001_000000.wav").write_bytes(b"RIFF")
    (folder / "1688_142285.trans.tsv").write_text(
        "1688_142285_000000_000000\tA.\tA.\n1688_142285_000001_000000\tonly two\n"
    )
    (folder / "._1688_142285_000000_000000.wav").write_bytes(b"\x00\x05")
    (folder / "1234_1_000000_000000.wav").write_bytes(b"RIFF")
    items = scan(tmp_path)
    assert set(recs(items)) == {"1688_142285_000000_000000"}
    assert sorted(probs(items)) == [
        ("._1688_142285_000000_000000.wav", "stray_file"),
        ("1234_1_000000_000000.wav", "bad_layout"),
        ("1688_142285.trans.tsv:2", "bad_transcript"),
    ]


def test_release_folder_choice_and_bad_sample_list(tmp_path: Path) -> None:
    chapter(tmp_path / "LibriTTS", "dev-clean", "84", "121123", [("84_121123_000007_000001", "M.", "M.")])
    chapter(tmp_path / "LibriTTS_R", "dev-clean", "84", "121123", [("84_121123_000007_000001", "M.", "M.")])
    (tmp_path / "LibriTTS_R" / "dev-clean_bad_sample_list.txt").write_text(
        "dev-clean/84/121123/84_121123_000007_000001.wav\n"
    )
    assert probs(scan(tmp_path)) == [("84_121123_000007_000001.wav", "restoration_failed")]
    items = scan(tmp_path, folder="LibriTTS")
    assert recs(items)["84_121123_000007_000001"].audio.startswith("LibriTTS/dev-clean/")
    assert probs(items) == []


def test_check_layout_names_the_subset_folders(tmp_path: Path) -> None:
    (tmp_path / "LibriTTS_R" / "other").mkdir(parents=True)
    found = LibriTTS(Root(str(tmp_path))).check_layout()
    assert found and "train-clean-100" in found[0] and "<subset>" in found[0]
