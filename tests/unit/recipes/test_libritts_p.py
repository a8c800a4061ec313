"""LibriTTS-P recipe: captions from the style candidates, annotation location, row problems."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.libritts_p import LibriTTSP, pick
from audioflan_ray.storage import Root

HEADER = "item_name,spk_id,gender,pitch,speaking_speed,energy,content_prompt,style_prompt_key,invalid\n"
STYLES = "M_p-low_s-slow_e-low|A man speaks slowly; A low voice, slow;A quiet slow man\n"


def release(root: Path) -> None:
    folder = root / "LibriTTS_R" / "dev-clean" / "84" / "121123"
    folder.mkdir(parents=True)
    for utt in ("84_121123_000007_000001", "84_121123_000008_000000"):
        (folder / f"{utt}.wav").write_bytes(b"RIFF")
    (folder / "84_121123.trans.tsv").write_text(
        "84_121123_000007_000001\tMaximilian.\tMaximilian.\n84_121123_000008_000000\tHe rose.\tHe rose.\n"
    )


def annotations(folder: Path, rows: str) -> None:
    folder.mkdir(parents=True)
    (folder / "style_prompt_candidates_v230922.csv").write_text(STYLES)
    (folder / "metadata_w_style_prompt_tags_v230922.csv").write_text(HEADER + rows)


def test_caption_is_a_stable_candidate_of_the_row_key(tmp_path: Path) -> None:
    release(tmp_path)
    annotations(tmp_path / "LibriTTS-P" / "data", "84_121123_000007_000001,84,M,low,slow,low,,M_p-low_s-slow_e-low,0\n")
    items = list(LibriTTSP(Root(str(tmp_path))).scan())
    assert [i.recording_id for i in items if isinstance(i, Recording)] == ["84_121123_000007_000001"]
    rec = items[0]
    assert isinstance(rec, Recording)
    candidates = ["A man speaks slowly", "A low voice, slow", "A quiet slow man"]
    assert rec.meta["caption"] == pick(candidates, "84_121123_000007_000001")
    assert rec.meta["caption"] in candidates and rec.meta["transcript"] == "Maximilian." and rec.split == "dev"
    assert set(rec.meta) == {"caption", "transcript"}


def test_annotations_option_takes_an_absolute_folder_and_bad_rows_are_problems(tmp_path: Path) -> None:
    release(tmp_path / "corpus")
    rows = (
        "84_121123_000008_000000,84,M,low,slow,low,,F_p-unknown,0\n"
        ",84,M,low,slow,low,,M_p-low_s-slow_e-low,0\n"
        "84_121123_000009_000000,84,M,low,slow,low,,M_p-low_s-slow_e-low,0\n"
    )
    annotations(tmp_path / "elsewhere", rows)
    recipe = LibriTTSP(Root(str(tmp_path / "corpus")), {"annotations": str(tmp_path / "elsewhere")})
    assert recipe.check_layout() == []
    items = list(recipe.scan())
    assert not [i for i in items if isinstance(i, Recording)]
    assert [(p.path.rsplit(":", 1)[-1], p.reason) for p in items if isinstance(p, Problem)] == [
        ("2", "bad_annotation"),
        ("3", "bad_annotation"),
        ("4", "missing_audio"),
    ]


def test_check_layout_names_the_metadata_file(tmp_path: Path) -> None:
    release(tmp_path)
    found = LibriTTSP(Root(str(tmp_path))).check_layout()
    assert len(found) == 1 and "metadata_w_style_prompt_tags_v230922.csv" in found[0] and "LibriTTS-P" in found[0]
