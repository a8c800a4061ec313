"""FLEURS recipe: translations across languages, root forms, row problems, parts."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.fleurs import Fleurs
from audioflan_ray.storage import Root


def lang(root: Path, code: str, split: str, rows: list[list[str]]) -> None:
    folder = root / code
    (folder / "audio" / split).mkdir(parents=True, exist_ok=True)
    (folder / f"{split}.tsv").write_text("".join("\t".join(r) + "\n" for r in rows))
    for r in rows:
        if len(r) > 1 and r[1].endswith(".wav"):
            (folder / "audio" / split / r[1]).write_bytes(b"RIFF")


def row(sid: str, name: str, raw: str, gender: str = "FEMALE") -> list[str]:
    return [sid, name, raw, raw.lower(), " ".join(raw.lower()) + " |", "16000", gender]


def test_translation_language_option_and_parallel_ids(tmp_path: Path) -> None:
    lang(tmp_path, "en_us", "train", [row("7", "1.wav", "Hello there.")])
    lang(tmp_path, "fr_fr", "train", [row("7", "2.wav", "Bonjour.", "MALE"), row("8", "3.wav", "Salut.")])
    items = {i.recording_id: i for i in Fleurs(Root(str(tmp_path))).scan() if isinstance(i, Recording)}
    assert items["fr_fr_2"].meta["translation"] == "Hello there."
    assert items["fr_fr_2"].meta["translation_language"] == "English"
    assert items["fr_fr_2"].meta["parallel_id"] == items["en_us_1"].meta["parallel_id"] == "7"
    assert "translation" not in items["en_us_1"].meta and "translation" not in items["fr_fr_3"].meta
    into_french = {i.recording_id: i for i in Fleurs(Root(str(tmp_path)), {"translation_language": "fr_fr"}).scan()}
    en = into_french["en_us_1"]
    assert (
        isinstance(en, Recording)
        and en.meta["translation"] == "Bonjour."
        and en.meta["translation_language"] == "French"
    )


def test_data_folder_root_bad_rows_and_sorted_parts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    lang(
        data,
        "en_us",
        "dev",
        [
            row("1", "5.wav", "One."),
            ["2", "6.wav", "too", "few"],
            row("3", "7.wav", "X.", "X"),
            row("5", "10.wav", "Ten."),
        ],
    )
    lang(data, "en", "test", [row("4", "9.wav", "Nine.")])
    lang(data, "cmn_hans_cn", "train", [row("1", "8.wav", "一。")])
    (data / "en_us" / "audio" / "dev" / "10.wav").unlink()
    recipe = Fleurs(Root(str(tmp_path)))
    assert recipe.parts() == ["cmn_hans_cn", "en", "en_us"]
    items = [i for p in recipe.parts() for i in recipe.scan_part(p)]
    assert items == list(recipe.scan())
    ids = [i.recording_id for i in items if isinstance(i, Recording)]
    assert ids == sorted(ids) == ["cmn_hans_cn_8", "en_9", "en_us_5"]
    assert [(p.path.rsplit("/", 1)[-1], p.reason) for p in items if isinstance(p, Problem)] == [
        ("10.wav", "missing_audio"),
        ("dev.tsv:2", "bad_row"),
        ("dev.tsv:3", "bad_row"),
    ]


def test_check_layout_names_the_tsv(tmp_path: Path) -> None:
    (tmp_path / "en_us" / "audio").mkdir(parents=True)
    found = Fleurs(Root(str(tmp_path))).check_layout()
    assert found and "<lang>/train.tsv" in found[0]
