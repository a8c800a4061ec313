"""The normalized test corpora (tests/normalized_corpora.py): well-formed manifests, decodable audio, every field
covered, partners for the pair tasks in one split, and labels that the audio bears out."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from audioflan_ray.recipes.base import METADATA_FIELDS, SPLITS, Problem, Recording, registry
from audioflan_ray.storage import Root
from tests.conftest import SHARED
from tests.normalized_corpora import (
    _NAMES,
    ESPEAK_VOCODER,
    NAMES,
    SR,
    SYNTH_DEVICE,
    f0_frames,
    make_normalized_corpora,
)

#: fields each corpus must cover (on at least one recording), without ../shared
COVERED = {
    "speech": {
        "transcript", "speaker", "language", "language_code", "dialect", "phonemes", "intent", "translation",
        "translation_language", "parallel_id", "spoof", "vocoder", "device", "caption", "speaking_style", "emotion",
        "gender", "age", "accent", "chapter",
    },
    "music": {
        "key", "scale", "tags", "technique", "instrument", "artist", "tempo", "beats", "chords", "progression",
        "beat_instruments", "beat_pitches", "lyrics", "notes", "speaker", "caption", "pitch", "emotion",
        "instrument_id", "melody",
    },
    "audio": {"caption", "label", "spoof", "vocoder"},
}  # fmt: skip
#: fields only the non-redistributable corpora in ../shared make honest (GTZAN genre, Clotho scene)
COVERED_WITH_SHARED = {"speech": set(), "music": {"genre"}, "audio": {"scene"}}
#: documented exceptions: labels nothing here makes true, so no recording may carry them
NEVER: dict[str, set[str]] = {}
ALLOWED_VALUES = {"speaking_style": {"read", "conversational"}, "spoof": {"bonafide", "spoof"}}


def _shared_available() -> bool:
    return (SHARED / "corpora" / "gtzan").is_dir() or (SHARED / "corpora" / "clotho").is_dir()


@pytest.fixture(scope="module", params=["bundled", "shared"])
def corpora(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    if request.param == "shared" and not _shared_available():
        pytest.skip("../shared/corpora absent (GTZAN, Clotho, RAVDESS are not bundled)")
    shared = SHARED if request.param == "shared" else None
    return request.param, make_normalized_corpora(tmp_path_factory.mktemp(request.param), shared)


def _rows(root: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def _all_rows(corpora: tuple[str, dict]) -> dict[str, list[dict[str, Any]]]:
    return {name: _rows(root) for name, (root, _) in corpora[1].items()}


def test_three_corpora_with_their_domains(corpora: tuple[str, dict]) -> None:
    assert {name: domain for name, (_, domain) in corpora[1].items()} == NAMES
    for root, _ in corpora[1].values():
        assert (root / "manifest.jsonl").is_file()


def test_every_line_parses_with_known_fields_and_scalar_values(corpora: tuple[str, dict]) -> None:
    for name, rows in _all_rows(corpora).items():
        ids = [r["recording_id"] for r in rows]
        assert len(ids) == len(set(ids)), name
        assert ids == sorted(ids), name  # deterministic order
        for r in rows:
            assert set(r) == {"recording_id", "audio", "split", "meta"}, r
            assert r["split"] in SPLITS
            assert set(r["meta"]) <= set(METADATA_FIELDS), (r["recording_id"], set(r["meta"]) - set(METADATA_FIELDS))
            for k, v in r["meta"].items():
                assert isinstance(v, str | int | float) and not isinstance(v, bool) and v != "", (r["recording_id"], k)
            for k, allowed in ALLOWED_VALUES.items():
                assert r["meta"].get(k, next(iter(allowed))) in allowed, (r["recording_id"], k)


def test_every_audio_file_exists_and_decodes(corpora: tuple[str, dict]) -> None:
    for root, _ in corpora[1].values():
        for r in _rows(root):
            path = root / r["audio"]
            assert path.is_file(), path
            x, sr = sf.read(path, always_2d=True)
            assert sr == SR and x.shape[1] == 1, path
            assert 0.4 <= len(x) / sr <= 25.0, (path, len(x) / sr)
            assert np.max(np.abs(x)) > 0.01, f"{path} is silent"


def test_the_manifest_recipe_scans_each_corpus_without_problems(corpora: tuple[str, dict]) -> None:
    for name, (root, domain) in corpora[1].items():
        recipe = registry()["manifest"](Root(str(root)), {"domain": domain})
        assert recipe.check_layout() == []
        items = list(recipe.scan())
        assert [i for i in items if isinstance(i, Problem)] == [], name
        assert len([i for i in items if isinstance(i, Recording)]) == len(_rows(root))


def test_every_field_is_covered_and_the_documented_exceptions_are_absent(corpora: tuple[str, dict]) -> None:
    kind, _ = corpora
    for name, rows in _all_rows(corpora).items():
        present = {k for r in rows for k in r["meta"]}
        want = COVERED[name] | (COVERED_WITH_SHARED[name] if kind == "shared" else set())
        assert want - present == set(), name
        assert present & NEVER.get(name, set()) == set(), name
        assert {r["split"] for r in rows} >= {"train", "test"}, name


def _by(rows: list[dict[str, Any]], split: str, *fields: str) -> list[dict[str, Any]]:
    return [r["meta"] for r in rows if r["split"] == split and all(f in r["meta"] for f in fields)]


@pytest.mark.parametrize("split", ["train", "test"])
def test_speech_pairs_have_partners_in_the_same_split(corpora: tuple[str, dict], split: str) -> None:
    rows = _all_rows(corpora)["speech"]
    texts: dict[str, set[str]] = defaultdict(set)
    speakers: dict[str, set[str]] = defaultdict(set)
    for m in _by(rows, split, "speaker", "transcript"):
        texts[m["speaker"]].add(m["transcript"])
        speakers[m["transcript"]].add(m["speaker"])
    assert sum(len(t) >= 2 for t in texts.values()) >= 2  # zero-shot TTS: another utterance of the same speaker
    assert any(len(s) >= 2 for s in speakers.values())  # voice conversion: the same text by another speaker
    languages: dict[str, set[str]] = defaultdict(set)
    for m in _by(rows, split, "parallel_id", "language"):
        languages[m["parallel_id"]].add(m["language"])
    assert sum(len(v) >= 2 for v in languages.values()) >= 2  # speech-to-speech translation
    for field in ("intent", "translation", "dialect", "phonemes", "spoof", "vocoder", "caption", "gender"):
        assert _by(rows, split, field), field
    assert len({m["spoof"] for m in _by(rows, split, "spoof")}) == 2
    assert len({m["vocoder"] for m in _by(rows, split, "vocoder")}) >= 2


def test_speech_emotion_and_chapter_pairs(corpora: tuple[str, dict]) -> None:
    rows = _all_rows(corpora)["speech"]
    emotions: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in _by(rows, "train", "speaker", "transcript", "emotion"):
        emotions[(m["speaker"], m["transcript"])].add(m["emotion"])
    assert any(len(e) >= 3 for e in emotions.values())  # emotion conversion: same speaker, same text
    chapters: dict[str, int] = defaultdict(int)
    for m in _by(rows, "train", "chapter"):
        chapters[m["chapter"]] += 1
    assert len(chapters) >= 2 and max(chapters.values()) >= 2  # spoken paragraph: same and other chapter


@pytest.mark.parametrize("split", ["train", "test"])
def test_music_pairs_have_partners_in_the_same_split(corpora: tuple[str, dict], split: str) -> None:
    rows = _all_rows(corpora)["music"]
    for field in ("key", "instrument", "instrument_id", "technique"):  # balanced: a same and a different partner
        values = [m[field] for m in _by(rows, split, field)]
        assert len(set(values)) >= 2 and max(values.count(v) for v in values) >= 2, field
    assert len({m["tempo"] for m in _by(rows, split, "tempo")}) >= 3
    sung = [(m["speaker"], m["lyrics"]) for m in _by(rows, split, "speaker", "lyrics")]
    assert any(  # singing voice conversion: same lyrics by another voice, and the same voice on other lyrics
        any(s2 != s and l2 == lyr for s2, l2 in sung) and any(s2 == s and l2 != lyr for s2, l2 in sung)
        for s, lyr in sung
    )
    assert {m["technique"] for m in _by(rows, split, "technique") if m.get("instrument") == "voice"} == {
        "straight",
        "vibrato",
    }
    assert len({m["artist"] for m in _by(rows, "train", "artist")}) >= 4


def test_audio_labels_have_pairs_and_three_classes_in_one_split(corpora: tuple[str, dict]) -> None:
    rows = _all_rows(corpora)["audio"]
    for split in ("train", "test"):
        labels = [m["label"] for m in _by(rows, split, "label")]
        assert len(set(labels)) >= 3, split
        assert max(labels.count(v) for v in labels) >= 2 or split == "test"
    assert {m["spoof"] for m in _by(rows, "train", "spoof")} == {"bonafide", "spoof"}


# --- the labels agree with the audio --------------------------------------------------------------------------------


def _midi(name: str) -> int:
    return _NAMES.index(name[:-1]) + 12 * (int(name[-1]) + 1)


def _cents(x: np.ndarray, midi: int) -> float:
    f = f0_frames(x, SR, fmin=50.0, fmax=1100.0)
    voiced = f[f > 0]
    assert len(voiced), "no pitch found"
    return float(1200 * np.log2(np.median(voiced) / (440.0 * 2 ** ((midi - 69) / 12))))


def test_notes_and_beat_pitches_are_the_pitches_heard(corpora: tuple[str, dict]) -> None:
    root, _ = corpora[1]["music"]
    checked = 0
    for r in _rows(root):
        m = r["meta"]
        if "notes" not in m or m.get("instrument") == "drum machine (synthesized)":
            continue
        x, _ = sf.read(root / r["audio"])
        at = 0.0
        for token in m["notes"].split(" | "):
            name, dur = token.split()
            seg = x[int(at * SR) : int((at + float(dur)) * SR)]
            assert abs(_cents(seg, _midi(name))) < 50, (r["recording_id"], token)
            at += float(dur)
            checked += 1
        if "beat_pitches" in m:
            assert [p.split(": ")[1] for p in m["beat_pitches"].split("; ")] == [
                t.split()[0] for t in m["notes"].split(" | ")
            ]
    assert checked > 100


def test_melody_notes_sound_where_they_are_stated(corpora: tuple[str, dict]) -> None:
    root, _ = corpora[1]["music"]
    checked = 0
    for r in _rows(root):
        if "melody" not in r["meta"]:
            continue
        x, _ = sf.read(root / r["audio"])
        ends = []
        for token in r["meta"]["melody"].split(", "):
            span, name = token.split()
            start, end = map(float, span.split("-"))
            assert abs(_cents(x[int(start * SR) : int(end * SR)], _midi(name))) < 50, (r["recording_id"], token)
            ends.append(end)
            checked += 1
        assert np.max(np.abs(x[int((ends[-1] + 0.05) * SR) :]), initial=0.0) < 0.05 * np.max(np.abs(x))
    assert checked > 50


def test_rhythm_labels_agree_with_the_tempo(corpora: tuple[str, dict]) -> None:
    root, _ = corpora[1]["music"]
    for r in _rows(root):
        m = r["meta"]
        if "beats" not in m:
            continue
        beats = [float(b) for b in m["beats"].split(", ")]
        assert np.allclose(beats, np.arange(len(beats)) * 60.0 / m["tempo"], atol=0.0051), r["recording_id"]
        duration = sf.info(str(root / r["audio"])).duration
        assert beats[-1] < duration
        for field in ("beat_instruments", "beat_pitches"):
            if field in m:
                assert len(m[field].split("; ")) == len(beats), (r["recording_id"], field)
        if "chords" in m:
            spans = [c.split(" ")[0].split("-") for c in m["chords"].split(", ")]
            assert float(spans[0][0]) == 0.0 and float(spans[-1][1]) <= duration
            assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
            assert len(spans) == len(m["progression"].split("-"))


def test_synthetic_speech_is_labelled_as_what_made_it(corpora: tuple[str, dict]) -> None:
    rows = _all_rows(corpora)["speech"]
    root, _ = corpora[1]["speech"]
    by_parallel: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        m = r["meta"]
        if "parallel_id" in m:
            by_parallel[m["parallel_id"]].append(m)
        if "vocoder" in m:
            assert m["spoof"] == "spoof"
        if m.get("vocoder") == ESPEAK_VOCODER:
            assert m["device"] == SYNTH_DEVICE and m["speaker"].startswith("espeak-ng ")
            # the espeak-ng voice variant sets the gender: female voices sit well above the male ones
            x, _ = sf.read(root / r["audio"])
            f = f0_frames(x, SR)
            f0 = float(np.median(f[f > 0]))
            assert (f0 > 150) if m["gender"] == "female" else (f0 < 150), (r["recording_id"], f0)
        else:
            assert "device" not in m  # no real corpus documents its microphone
        if "intent" in m:
            assert re.fullmatch(r"action: [a-z ]+, object: \w+, location: \w+", m["intent"]), m["intent"]
    for m in (m for ms in by_parallel.values() for m in ms if "translation" in m):
        # the translation is what the same parallel sentence says in the translation language
        assert any(
            p["language"] == m["translation_language"] and p["transcript"] == m["translation"]
            for p in by_parallel[m["parallel_id"]]
        ), m


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != "normalized_corpora.json":
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_deterministic_and_reused_when_unchanged(tmp_path: Path) -> None:
    a = make_normalized_corpora(tmp_path / "a", None)
    b = make_normalized_corpora(tmp_path / "b", None)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "a").rglob("*") if p.is_file()}
    assert make_normalized_corpora(tmp_path / "a", None) == a
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "a").rglob("*") if p.is_file()} == before
    assert {k: v[1] for k, v in a.items()} == {k: v[1] for k, v in b.items()}
