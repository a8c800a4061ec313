"""OpenSinger recipe: transcripts in either file, singers per gender folder, parts, problems, layout check."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, registry, speaker_split
from audioflan_ray.storage import Root


def _files(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_lyrics_from_the_file_in_characters_and_singers_per_folder(tmp_path: Path) -> None:
    root = _files(
        tmp_path,
        {
            "ManRaw/0_左边/0_左边_0.wav": "x",
            "ManRaw/0_左边/0_左边_0.txt": "zuo bian",
            "ManRaw/0_左边/0_左边_0.lab": "左边",
            "WomanRaw/0_左边/0_左边_3.wav": "x",
            "WomanRaw/0_左边/0_左边_3.txt": "左边 \n",
            "WomanRaw/0_左边/0_左边_3.lab": "左 边",
        },
    )
    recipe = registry()["opensinger"](Root(str(root)))
    recs = {r.recording_id: r for r in recipe.scan() if isinstance(r, Recording)}
    man, woman = recs["ManRaw_0_左边_0"], recs["WomanRaw_0_左边_3"]
    assert man.meta == {
        "lyrics": "左边",
        "speaker": "opensinger_ManRaw-0",
        "gender": "male",
        "language": "Mandarin Chinese",
    }
    assert woman.meta["lyrics"] == "左边" and woman.meta["speaker"] == "opensinger_WomanRaw-0"
    assert man.split == speaker_split("opensinger", "opensinger_ManRaw-0")
    assert recipe.parts() == ["ManRaw", "WomanRaw"]
    assert [i for p in recipe.parts() for i in recipe.scan_part(p)] == list(recipe.scan())


def test_problems(tmp_path: Path) -> None:
    root = _files(
        tmp_path,
        {
            "ManRaw/0_左边/0_左边_0.wav": "x",
            "ManRaw/0_左边/0_左边_0.txt": "zuo bian",
            "ManRaw/0_左边/0_左边_1.txt": "左边",
            "ManRaw/0_左边/stray.wav": "x",
            "ManRaw/左边/左边_1.wav": "x",
        },
    )
    items = list(registry()["opensinger"](Root(str(root))).scan())
    assert not [i for i in items if isinstance(i, Recording)]
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("ManRaw/0_左边/0_左边_0.wav", "missing_label"),
        ("ManRaw/0_左边/0_左边_1.wav", "missing_audio"),
        ("ManRaw/0_左边/stray.wav", "bad_name"),
        ("ManRaw/左边/左边_1.wav", "bad_name"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    problems = registry()["opensinger"](Root(str(tmp_path))).check_layout()
    assert len(problems) == 1 and "ManRaw/" in problems[0] and "WomanRaw/" in problems[0]
    (tmp_path / "WomanRaw").mkdir()
    assert registry()["opensinger"](Root(str(tmp_path))).check_layout() == []
