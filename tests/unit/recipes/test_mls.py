"""MLS recipe: FLAC / Opus variants, root forms, transcript and audio problems, gender."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.mls import MLS
from audioflan_ray.storage import Root

META = (
    " SPEAKER   |   GENDER   | PARTITION  |  MINUTES   |  BOOK ID   |  TITLE  |  CHAPTER\n"
    "  1844     |     F      |   train    |   1.0      |   931      |  T      |  C\n"
)


def language(root: Path, folder: str, ext: str, lines: dict[str, str], audio: list[str]) -> None:
    lang = root / folder
    (lang / "train").mkdir(parents=True)
    (lang / "metainfo.txt").write_text(META)
    (lang / "train" / "transcripts.txt").write_text("".join(f"{k}\t{v}\n" for k, v in lines.items()))
    for utt in audio:
        spk, book, _ = utt.split("_")
        path = lang / "train" / "audio" / spk / book / f"{utt}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"fLaC")


def test_flac_variant_wins_unless_opus_is_asked(tmp_path: Path) -> None:
    language(tmp_path, "mls_german", ".flac", {"1844_931_000001": "guten tag"}, ["1844_931_000001"])
    language(tmp_path, "mls_german_opus", ".opus", {"1844_931_000001": "guten tag"}, ["1844_931_000001"])
    (tmp_path / "mls_lm_german").mkdir()
    flac = [i for i in MLS(Root(str(tmp_path))).scan() if isinstance(i, Recording)]
    opus = [i for i in MLS(Root(str(tmp_path)), {"audio": "opus"}).scan() if isinstance(i, Recording)]
    assert [r.audio for r in flac] == ["mls_german/train/audio/1844/931/1844_931_000001.flac"]
    assert [r.audio for r in opus] == ["mls_german_opus/train/audio/1844/931/1844_931_000001.opus"]
    assert flac[0].meta == {"transcript": "guten tag", "speaker": "mls_1844", "gender": "female", "language": "German"}


def test_language_folder_as_root_and_problems(tmp_path: Path) -> None:
    lines = {"1844_931_000001": "a", "1844_931_000002": "b", "not-an-id": "c", "1844_931_000004": ""}
    language(tmp_path, "mls_polish", ".flac", lines, ["1844_931_000001", "1844_931_000003"])
    recipe = MLS(Root(str(tmp_path / "mls_polish")))
    assert recipe.check_layout() == [] and recipe.parts() == ["polish/train"]
    items = list(recipe.scan())
    assert [i.recording_id for i in items if isinstance(i, Recording)] == ["1844_931_000001"]
    assert [i.meta["language"] for i in items if isinstance(i, Recording)] == ["Polish"]
    assert sorted((p.path.rsplit("/", 1)[-1], p.reason) for p in items if isinstance(p, Problem)) == [
        ("1844_931_000002.flac", "missing_audio"),
        ("1844_931_000003.flac", "missing_transcript"),
        ("transcripts.txt:3", "bad_transcript"),
        ("transcripts.txt:4", "bad_transcript"),
    ]


def test_check_layout_names_the_language_folders(tmp_path: Path) -> None:
    (tmp_path / "mls_lm_english").mkdir()
    found = MLS(Root(str(tmp_path))).check_layout()
    assert found and "mls_<language>/" in found[0]
