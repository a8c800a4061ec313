"""MusicCaps recipe: clip names of the common downloaders, the eval split, absent clips, bad rows, layout check."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Absent, Problem, Recording, registry
from audioflan_ray.storage import Root

_HEADER = (
    "ytid,start_s,end_s,audioset_positive_labels,aspect_list,caption,author_id,is_balanced_subset,is_audioset_eval\n"
)


def _row(ytid: str, start: str = "30", caption: str = "A tune.", eval_: str = "False") -> str:
    return f'{ytid},{start},40,"/m/04rlf",[\'tune\'],"{caption}",1,False,{eval_}\n'


def _corpus(root: Path, rows: list[str], clips: list[str]) -> Path:
    (root / "musiccaps-public.csv").write_text(_HEADER + "".join(rows))
    for rel in clips:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"RIFF")
    return root


def test_clip_names_and_split(tmp_path: Path) -> None:
    rows = [
        _row("aaaaaaaaaaa"),
        _row("bbbbbbbbbbb", eval_="True", caption="Two\nlines,  with a comma."),
        _row("ccc_ccc-ccc", start="12.5"),
        _row("ddddddddddd"),
        _row("eeeeeeeeeee"),
    ]
    clips = [
        "clips/train/aaaaaaaaaaa_30.mp3",
        "clips/train/aaaaaaaaaaa_30.wav",
        "clips/bbbbbbbbbbb_30000_40000.flac",
        "clips/ccc_ccc-ccc_12.500_22.500.wav",
        "clips/ddddddddddd.opus",
        "clips/eeeeeeeeeee_10.wav",
        "clips/notes.txt",
    ]
    root = _corpus(tmp_path, rows, clips)
    items = list(registry()["musiccaps"](Root(str(root)), {"audio_dir": "clips"}).scan())
    recs = {r.recording_id: r for r in items if isinstance(r, Recording)}
    assert {k: r.audio for k, r in recs.items()} == {
        "aaaaaaaaaaa": "clips/train/aaaaaaaaaaa_30.wav",
        "bbbbbbbbbbb": "clips/bbbbbbbbbbb_30000_40000.flac",
        "ccc_ccc-ccc": "clips/ccc_ccc-ccc_12.500_22.500.wav",
        "ddddddddddd": "clips/ddddddddddd.opus",
    }
    assert recs["bbbbbbbbbbb"].split == "test" and recs["aaaaaaaaaaa"].split == "train"
    assert recs["bbbbbbbbbbb"].meta == {"caption": "Two lines, with a comma."}
    assert [(a.path, a.reason) for a in items if isinstance(a, Absent)] == [("clips/eeeeeeeeeee_30", "clip missing")]


def test_bad_rows_and_default_folder(tmp_path: Path) -> None:
    rows = [_row("short"), _row("fffffffffff", start="x"), _row("ggggggggggg", caption=" "), _row("hhhhhhhhhhh")]
    root = _corpus(tmp_path, rows, ["any/where/hhhhhhhhhhh_30.wav"])
    items = list(registry()["musiccaps"](Root(str(root))).scan())
    assert [r.audio for r in items if isinstance(r, Recording)] == ["any/where/hhhhhhhhhhh_30.wav"]
    assert sorted((p.path, p.reason) for p in items if isinstance(p, Problem)) == [
        ("musiccaps-public.csv:fffffffffff", "bad_row"),
        ("musiccaps-public.csv:ggggggggggg", "bad_row"),
        ("musiccaps-public.csv:short", "bad_row"),
    ]


def test_check_layout(tmp_path: Path) -> None:
    assert "musiccaps-public.csv" in registry()["musiccaps"](Root(str(tmp_path))).check_layout()[0]
    _corpus(tmp_path, [], [])
    assert registry()["musiccaps"](Root(str(tmp_path))).check_layout() == []
