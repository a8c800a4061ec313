"""AudioSet recipe: official splits with a carved dev set, label words, strong events, content classes, problems."""

from __future__ import annotations

import json
from pathlib import Path

from audioflan_ray.recipes.audioset import AudioSet
from audioflan_ray.recipes.base import Absent, Problem, Recording, hash_split
from audioflan_ray.storage import Root

HEAD = (
    "# Segments csv created Sun Mar  5 10:54:31 2017\n# num_ytids=9, num_segs=9\n"
    "# YTID, start_seconds, end_seconds, positive_labels\n"
)
ONTOLOGY = [
    {"id": "/m/0dgw9r", "name": "Human sounds", "child_ids": ["/m/09l8g"], "restrictions": ["abstract"]},
    {"id": "/m/09l8g", "name": "Human voice", "child_ids": ["/m/09x0r", "/m/01j3sz"], "restrictions": ["abstract"]},
    {"id": "/m/09x0r", "name": "Speech", "child_ids": ["/m/05zppz"], "restrictions": []},
    {"id": "/m/05zppz", "name": "Male speech, man speaking", "child_ids": [], "restrictions": []},
    {"id": "/m/01j3sz", "name": "Laughter", "child_ids": [], "restrictions": []},
    {"id": "/m/04rlf", "name": "Music", "child_ids": ["/m/0342h"], "restrictions": []},
    {"id": "/m/0342h", "name": "Guitar", "child_ids": [], "restrictions": []},
    {"id": "/t/dd00098", "name": "Source-ambiguous sounds", "child_ids": ["/m/028v0c"], "restrictions": []},
    {"id": "/m/028v0c", "name": "Silence", "child_ids": [], "restrictions": []},
    {"id": "/t/dd00123", "name": "Channel, environment and background", "child_ids": ["/t/dd00125"]},
    {"id": "/t/dd00125", "name": "Inside, small room", "child_ids": [], "restrictions": []},
    {"id": "/m/0bt9lr", "name": "Dog", "child_ids": [], "restrictions": []},
]


def corpus(tmp_path: Path, rows: dict[str, str], clips: list[str], ontology: bool = True) -> Path:
    for name, body in rows.items():
        (tmp_path / name).write_text(body if name.endswith(".tsv") else HEAD + body, encoding="utf-8")
    if ontology:
        (tmp_path / "ontology.json").write_text(json.dumps(ONTOLOGY), encoding="utf-8")
    for clip in clips:
        (tmp_path / clip).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / clip).write_bytes(b"RIFF")
    return tmp_path


def scan(root: Path, options: dict[str, str] | None = None) -> list[Recording | Problem | Absent]:
    return list(AudioSet(Root(str(root)), options).scan())


def recs(items: list[Recording | Problem | Absent]) -> dict[str, Recording]:
    return {i.recording_id: i for i in items if isinstance(i, Recording)}


def test_content_class_follows_the_ontology(tmp_path: Path) -> None:
    body = (
        'aaaaaaaaaaa, 0.000, 10.000, "/m/05zppz,/t/dd00125"\n'  # male speech in a small room: speech
        'bbbbbbbbbbb, 10.000, 20.000, "/m/0342h,/m/04rlf"\n'  # music
        'ccccccccccc, 0.000, 10.000, "/m/028v0c"\n'  # silence
        'ddddddddddd, 0.000, 10.000, "/m/0bt9lr"\n'  # dog: noise
        'eeeeeeeeeee, 0.000, 10.000, "/m/09x0r,/m/04rlf"\n'  # speech and music: no single class
        'fffffffffff, 0.000, 10.000, "/m/01j3sz"\n'  # laughter: a voice, but not speech
    )
    ids = "abcdef"
    root = corpus(tmp_path, {"eval_segments.csv": body}, [f"{c * 11}.wav" for c in ids])
    got = {k[0]: r.meta.get("content_class") for k, r in recs(scan(root)).items()}
    assert got == {"a": "speech", "b": "music", "c": "silence", "d": "noise", "e": None, "f": None}


def test_without_the_ontology_there_is_no_content_class(tmp_path: Path) -> None:
    (tmp_path / "class_labels_indices.csv").write_text('index,mid,display_name\n74,/m/0bt9lr,"Dog"\n')
    root = corpus(
        tmp_path, {"eval_segments.csv": 'ddddddddddd, 0.000, 10.000, "/m/0bt9lr"\n'}, ["Yddddddddddd.flac"], False
    )
    (rec,) = recs(scan(root)).values()
    assert rec.meta == {"labels": "dog", "label": "dog"} and rec.audio == "Yddddddddddd.flac"


def test_train_files_carve_a_deterministic_dev_and_eval_is_test(tmp_path: Path) -> None:
    ids = [f"{i:011d}" for i in range(60)]
    body = "".join(f'{y}, 30.000, 40.000, "/m/0bt9lr"\n' for y in ids)
    root = corpus(
        tmp_path,
        {"unbalanced_train_segments.csv": body, "eval_segments.csv": body.replace("30.000", "0.000")},
        [f"{y}_30.wav" for y in ids] + [f"{y}_0.wav" for y in ids],
    )
    got = recs(scan(root))
    train = {k: r.split for k, r in got.items() if k.endswith("_30000")}
    assert {r.split for k, r in got.items() if k.endswith("_0")} == {"test"}
    assert train == {k: hash_split(k, 5, 0) for k in train} and set(train.values()) == {"train", "dev"}


def test_strong_labels_give_events_and_strong_only_segments_become_recordings(tmp_path: Path) -> None:
    strong = (
        "segment_id\tstart_time_seconds\tend_time_seconds\tlabel\n"
        "aaaaaaaaaaa_30000\t5.000\t6.000\t/m/0bt9lr\n"
        "aaaaaaaaaaa_30000\t0.500\t2.000\t/m/09x0r\n"
        "zzzzzzzzzzz_12500\t1.000\t3.000\t/m/0342h\n"
        "broken\t1\t2\t/m/0342h\n"
    )
    rows = {
        "balanced_train_segments.csv": 'aaaaaaaaaaa, 30.000, 40.000, "/m/09x0r,/m/0bt9lr"\n',
        "audioset_train_strong.tsv": strong,
    }
    root = corpus(tmp_path, rows, ["aaaaaaaaaaa_30_40.wav", "zzzzzzzzzzz_12.500_22.500.wav"])
    items = scan(root)
    got = recs(items)
    assert got["aaaaaaaaaaa_30000"].meta["events"] == "0.500-2.000 speech, 5.000-6.000 dog"
    assert got["zzzzzzzzzzz_12500"].meta == {
        "labels": "guitar",
        "label": "guitar",
        "events": "1.000-3.000 guitar",
        "content_class": "music",
    }
    assert [(p.path, p.reason) for p in items if isinstance(p, Problem)] == [
        ("audioset_train_strong.tsv:5", "bad_metadata")
    ]


def test_missing_clips_unknown_labels_bad_rows_and_duplicates(tmp_path: Path) -> None:
    body = (
        'aaaaaaaaaaa, 0.000, 10.000, "/m/0bt9lr,/m/zzzz"\n'
        'bbbbbbbbbbb, zero, 10.000, "/m/0bt9lr"\n'
        'ccccccccccc, 0.000, 10.000, "/m/0bt9lr"\n'
    )
    rows = {
        "balanced_train_segments.csv": body,
        "unbalanced_train_segments.csv": 'aaaaaaaaaaa, 0.000, 10.000, "/m/0bt9lr"\n',
    }
    items = scan(corpus(tmp_path, rows, ["clips/aaaaaaaaaaa.wav"]), {"audio_dir": "clips"})
    assert recs(items)["aaaaaaaaaaa_0"].meta["labels"] == "dog"  # the unknown mid is reported, the dog kept
    assert "label" not in recs(items)["aaaaaaaaaaa_0"].meta  # two labels were given: not a single-label clip
    assert [a.path for a in items if isinstance(a, Absent)] == ["clips/ccccccccccc_0_10"]
    assert sorted((p.path, p.reason) for p in items if isinstance(p, Problem)) == [
        ("/m/zzzz", "unknown_label"),
        ("balanced_train_segments.csv:5", "bad_metadata"),
        ("unbalanced_train_segments.csv:4", "duplicate"),
    ]


def test_check_layout_names_the_missing_files(tmp_path: Path) -> None:
    found = AudioSet(Root(str(tmp_path))).check_layout()
    assert len(found) == 2 and "eval_segments.csv" in found[0] and "class_labels_indices.csv" in found[1]
    (tmp_path / "eval_segments.csv").write_text(HEAD)
    (tmp_path / "mid_to_display_name.tsv").write_text("/m/0bt9lr\tDog\n")
    assert AudioSet(Root(str(tmp_path))).check_layout() == []
