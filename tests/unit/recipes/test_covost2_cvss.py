"""CoVoST 2 and CVSS recipes: Common Voice lookup, split values, escapes, CVSS locale codes, de-duplication."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording
from audioflan_ray.recipes.covost2 import CoVoST2
from audioflan_ray.recipes.cvss import CVSS
from audioflan_ray.storage import Root


def clips(root: Path, locale: str, *names: str) -> None:
    folder = root / locale / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"ID3")


def test_covost_splits_escapes_and_common_voice_option(tmp_path: Path) -> None:
    clips(tmp_path / "cv4", "fr", *(f"common_voice_fr_{n}.mp3" for n in range(1, 6)))
    (tmp_path / "cv-corpus-9-2022-04-27").mkdir()  # another release: the option says which one
    (tmp_path / "covost_v2.fr_en.tsv").write_text(
        "path\ttranslation\tsplit\n"
        'common_voice_fr_1.mp3\tHe said \\"yes\\".\ttrain_covost\n'
        "common_voice_fr_2.mp3\tA\\\tB.\tdev\n"
        "common_voice_fr_3.mp3\tC.\ttest\n"
        "common_voice_fr_4.mp3\tD.\tdev_covost\n"
        "common_voice_fr_5.mp3\t\ttrain\n"
    )
    recipe = CoVoST2(Root(str(tmp_path)), {"common_voice": "cv4"})
    assert recipe.check_layout() == []
    items = list(recipe.scan())
    got = {i.recording_id: (i.split, i.meta["translation"]) for i in items if isinstance(i, Recording)}
    assert got == {
        "common_voice_fr_1_en": ("train", 'He said "yes".'),
        "common_voice_fr_2_en": ("dev", "A B."),
        "common_voice_fr_3_en": ("test", "C."),
    }
    assert [(p.path.rsplit(":", 1)[-1], p.reason) for p in items if isinstance(p, Problem)] == [
        ("5", "bad_row"),
        ("6", "bad_row"),
    ]


def test_covost_check_layout_names_the_tsv_and_the_common_voice_release(tmp_path: Path) -> None:
    found = CoVoST2(Root(str(tmp_path))).check_layout()
    assert len(found) == 2 and "covost_v2.<src>_<tgt>.tsv" in found[0] and "cv-corpus-*" in found[1]


def test_cvss_maps_zh_to_zh_cn_and_lists_a_source_once(tmp_path: Path) -> None:
    clips(tmp_path / "cv-corpus-4-2019-12-10", "zh-CN", "common_voice_zh-CN_18885718.mp3")
    for version in ("c", "t"):
        folder = tmp_path / f"cvss_{version}_zh_en_v1.0"
        (folder / "train").mkdir(parents=True)
        (folder / "train.tsv").write_text("common_voice_zh-CN_18885718.mp3\tit is late\nbroken line\n")
        (folder / "train" / "common_voice_zh-CN_18885718.mp3.wav").write_bytes(b"RIFF")
    items = list(CVSS(Root(str(tmp_path))).scan())
    got = {i.recording_id: i for i in items if isinstance(i, Recording)}
    assert sorted(got) == [
        "common_voice_zh-CN_18885718",
        "common_voice_zh-CN_18885718_cvss_c",
        "common_voice_zh-CN_18885718_cvss_t",
    ]
    source = got["common_voice_zh-CN_18885718"]
    assert source.meta["language"] == "Mandarin Chinese" and source.meta["language_code"] == "zh-CN"
    assert source.meta["translation"] == "it is late"
    assert {r.meta["parallel_id"] for r in got.values()} == {"common_voice_zh-CN_18885718"}
    assert "translation" not in got["common_voice_zh-CN_18885718_cvss_t"].meta
    assert [p.reason for p in items if isinstance(p, Problem)] == ["bad_row", "bad_row"]


def test_cvss_check_layout_names_the_folders(tmp_path: Path) -> None:
    (tmp_path / "cvss_c_fr_en_v1.0").mkdir()
    found = CVSS(Root(str(tmp_path))).check_layout()
    assert len(found) == 2 and "cvss_<c|t>_<src>_en_v1.0/" in found[0]
