"""All 80 Audio-FLAN tasks built end to end on local Ray from corpora in their native layouts only, then measured on
what landed in the shards.

Sources: the fewest fixture corpora of ``tests/fixtures/corpora`` (each written in its corpus's release layout) and
bundled samples (real excerpts in their native layouts) that together feed every task; ``SOURCES`` says what each is
there for. One task is held out as ``unseen``. Every answer is checked against the label the recipe reads from the
fixture (the golden scans pin those labels to the fixture files) or against a measurement of the built audio.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile as sf

from audioflan_ray import ids, vocab
from audioflan_ray.audio import content, ops
from audioflan_ray.recipes.base import Absent, Problem, Recording, registry
from audioflan_ray.storage import Root
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.tasks.engine import templates
from tests.conftest import SAMPLES, SHARED_CORPORA, offline_guard, run_cli
from tests.fixtures.corpora import build as make_fixture
from tests.fixtures.corpora import modules, recipe_of
from tests.pipeline_util import samples as read_samples

pytestmark = pytest.mark.ray

Instance = tuple[dict[str, Any], dict[str, bytes]]
UNSEEN = "Speaker Diarization"


@dataclass(frozen=True)
class Source:
    name: str  # a fixture module of tests/fixtures/corpora, or a folder of the bundled samples
    why: str
    bundled: bool = False
    limit: int | None = None
    tasks: tuple[str, ...] | None = None


SOURCES = (
    Source("librispeech", "real read speech (VAD: speech); Spoken Paragraph Recognition", bundled=True),
    Source("esc50", "a real clip without speech (VAD: no speech); the noise of built pairs", bundled=True),
    Source("nsynth", "real notes: Instrument Comparison, Pitch Classification", bundled=True),
    Source("crema_d", "Zero-shot Emotional TTS, Emotion Conversion; names that spell labels", bundled=True),
    Source(
        "fsdd",
        "Voice Conversion (a digit said by several speakers); names that spell labels",
        bundled=True,
        limit=24,
        tasks=("Voice Conversion", "Automatic Speech Recognition", "Speaker Identification"),
    ),
    Source("kespeech", "Dialect ASR, Dialect Identification"),
    Source("aishell3", "Phonetic Recognition, Accent Recognition"),
    Source("fluent_speech_commands", "Intent Classification"),
    Source("libritts_p", "Speech Caption, Descriptive Speech Synthesis"),
    Source("alimeeting", "Device Recognition, Spontaneous TTS"),
    Source("fleurs", "Speech-to-Text and Speech-to-Speech Translation"),
    Source("asvspoof2019_la", "Deepfake Detection, Vocoder Type Classification"),
    Source("jazznet", "Scale Recognition, Progression Extraction"),
    Source("mtg_jamendo_subsets", "Music Tagging, Emotion Classification and Comparison"),
    Source("orchideasol", "Instrumental Technique Classification and Comparison (pairs of one and of two techniques)"),
    Source("aam", "Beat-level Instrument Recognition and Pitch Estimation, Chord Estimation"),
    Source("medleydb", "Melody Extraction (checked against its MELODY annotation)"),
    Source("fsl10k", "Music Caption, Text-to-Music Generation, Key Comparison"),
    Source("m4singer", "Singing Voice Synthesis"),
    Source("opensinger", "Singing Voice Conversion (one lyric sung by two singers)"),
    Source("vocalset", "Vocal Technique Classification"),
    Source("tau2022", "Acoustic Scene Classification"),
    Source("vocal_imitation", "Sound Event Understanding"),
    Source("add2023", "Deepfake Audio Detection"),
    Source("wavcaps", "Audio Caption, Text-guided Audio Source Separation"),
    Source("vggsound", "Sound Event Sequence Recognition (three labels in one split)"),
    Source("audioset", "Audio Inpainting (clips long enough for a gap)"),
)


def needs_shared(src: Source) -> bool:
    return not src.bundled and bool(getattr(modules()[src.name], "NEEDS_SHARED", False))


@dataclass
class Build:
    out: Path
    samples: list[Instance]
    truth: dict[tuple[str, str], Recording]
    problems: Counter[tuple[str, str]]  # (dataset, reason) of every problem the scans report
    roots: dict[str, Path]
    left_out: list[str]  # recipes whose fixture needs ../shared/corpora, absent here
    units: dict[str, int]  # recipe -> its units of work
    seconds: float


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    offline_guard()
    tmp = tmp_path_factory.mktemp("all_tasks")
    sources: list[dict[str, Any]] = []
    roots: dict[str, Path] = {}
    left_out = []
    for src in SOURCES:
        recipe = src.name if src.bundled else recipe_of(src.name)
        if needs_shared(src) and not SHARED_CORPORA.is_dir():
            left_out.append(recipe)
            continue
        root = SAMPLES / src.name if src.bundled else make_fixture(src.name, tmp / "fixtures")
        roots[recipe] = root
        item: dict[str, Any] = {"recipe": recipe, "root": str(root)}
        if src.limit:
            item["limit"] = src.limit
        if src.tasks:
            item["tasks"] = list(src.tasks)
        sources.append(item)
    conf = tmp / "all.yaml"
    conf.write_text(
        json.dumps(
            {
                "sources": sources,
                "output": {"uri": str(tmp / "out")},
                "audio": {"simulate": {"noise": "esc50"}},
                # The fixtures hold the faults their corpora have (a listed file without audio...): quarantined at
                # plan time and compared with the scans below, so the error budget is not what stops this build.
                "build": {"unseen": [UNSEEN], "max_error_fraction": 0.5},
                "ray": {"plan_unit_recordings": 8},
            }
        )
    )
    start = time.monotonic()
    proc = run_cli("build", "-c", str(conf), timeout=900)
    seconds = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-4000:]
    truth: dict[tuple[str, str], Recording] = {}
    problems: Counter[tuple[str, str]] = Counter()
    for item in sources:
        for found in registry()[item["recipe"]](Root(item["root"]), item.get("options")).scan():
            if isinstance(found, Recording):
                truth[(item["recipe"], found.recording_id)] = found
            elif isinstance(found, Problem) and not isinstance(found, Absent):
                problems[(item["recipe"], found.reason)] += 1
    out = tmp / "out"
    unit_ids = {u["unit"] for u in pq.read_table(out / "units.parquet", columns=["unit"]).to_pylist()}
    per_source = Counter(int(u.split("-", 1)[0]) for u in unit_ids)  # a unit id starts with its source's index
    units = {item["recipe"]: per_source[i] for i, item in enumerate(sources)}
    return Build(out, read_samples(out), truth, problems, roots, left_out, units, seconds)


def by_task(build: Build, minor: str) -> list[Instance]:
    return [(r, m) for r, m in build.samples if r["task_type"]["minor"][0] == minor]


def meta_of(build: Build, ref: dict[str, Any]) -> dict[str, Any]:
    """The corpus labels of a record's own recording (``other``) or of one of its partners."""
    return build.truth[(ref["dataset"], ref["recording_id"])].meta


def audio_of(data: bytes) -> tuple[np.ndarray, int]:
    x, rate = sf.read(io.BytesIO(data), dtype="float64")
    return x, rate


def ratio_db(members: dict[str, bytes]) -> float:
    """dB of the answer (output) over what the input adds to it: the SNR of a denoising pair, the TIR of a mixture."""
    given, _ = audio_of(members["input.flac"])
    answer, _ = audio_of(members["output.flac"])
    return float(10 * np.log10(np.sum(answer**2) / np.sum((given - answer) ** 2)))


def text(value: Any) -> str:
    """A label as a template writes it (a whole float without its ``.0``)."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


@lru_cache(maxsize=1)
def fed_by() -> dict[str, set[str]]:
    """Minor task -> the recipes ``audioflan-ray tasks --coverage`` says can feed it."""
    proc = run_cli("tasks", "--coverage")
    assert proc.returncode == 0, proc.stderr
    out: dict[str, set[str]] = {}
    for line in proc.stdout.splitlines():
        minor = line[8:50].rstrip()  # "<domain:7> <minor:42> ..."
        names = line.split("fed by: ", 1)[1].split(" | ", 1)[0]
        out[minor] = set() if names.startswith("none") else set(names.split(", "))
    return out


# -- every task, a valid build, nothing lost ---------------------------------------------------------------------------


def test_every_task_has_valid_instances(build: Build) -> None:
    print(f"all-tasks build: {build.seconds:.0f} s for {len(build.samples)} instances")
    proc = run_cli("validate", str(build.out))
    assert proc.returncode == 0, proc.stdout[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ok"] and report["instances"] == len(build.samples)
    counts = Counter(r["task_type"]["minor"][0] for r, _ in build.samples)
    missing = sorted(t for t in catalog() if counts[t] == 0)
    if build.left_out:
        assert all(fed_by()[t] & set(build.left_out) for t in missing), f"tasks without instances: {missing}"
        pytest.skip(f"../shared/corpora absent: fixtures of {build.left_out} not made; tasks without: {missing}")
    assert missing == [], f"tasks without instances: {missing}"


def test_only_the_corpus_faults_are_quarantined(build: Build) -> None:
    """Every quarantined row is a problem the recipe's scan reports in the fixture, caught at plan time; the audio
    stages quarantine nothing."""
    rows = [json.loads(x) for f in sorted((build.out / "errors").glob("*.jsonl")) for x in f.read_text().splitlines()]
    assert {r["stage"] for r in rows} <= {"plan"}, [r for r in rows if r["stage"] != "plan"][:3]
    limited = {(s.name if s.bundled else recipe_of(s.name)) for s in SOURCES if s.limit}
    quarantined = Counter((r["dataset"], r["type"]) for r in rows if r["dataset"] not in limited)
    assert quarantined == Counter({k: n for k, n in build.problems.items() if k[0] not in limited})


def test_the_release_layout_resolves_every_audio_once(build: Build) -> None:
    out = build.out
    scp: dict[str, str] = {}
    for f in out.glob("scp_files/*/*.scp"):
        for line in f.read_text().splitlines():
            aid, path = line.split(" ", 1)
            assert aid not in scp or scp[aid] == path, f"{aid} listed twice with different files"
            scp[aid] = path
    lines = [json.loads(x) for f in out.glob("metadata/*/*/*/*/jsonl/*.jsonl") for x in f.read_text().splitlines()]
    assert len(lines) == len(build.samples)
    refs = {a for rec in lines for a in re.findall(r"<\|SOA\|>([^<]+)<\|EOA\|>", rec["input"] + rec["output"])}
    assert refs <= set(scp) and all((out / scp[a]).is_file() for a in refs)
    assert refs == {a["id"] for rec, _ in build.samples for a in rec["audio"]}
    files = list(out.glob("audio_files/**/*.flac"))
    assert len(files) == len(set(scp.values()))  # every audio stored once


def test_unseen_task_is_held_out_in_test(build: Build) -> None:
    held = by_task(build, UNSEEN)
    assert held and all(r["split"] == ["test"] and r["task_type"]["unseen"] for r, _ in held)
    assert not any(r["task_type"]["unseen"] for r, _ in build.samples if r["task_type"]["minor"][0] != UNSEEN)


def test_stats_report_every_task_with_hours_and_variants(build: Build) -> None:
    stats = json.loads((build.out / "stats.json").read_text())
    by = stats["by_task"]
    assert set(by) == {r["task_type"]["minor"][0] for r, _ in build.samples}
    for minor, entry in by.items():
        assert entry["instances"] == len(by_task(build, minor)) and entry["audio_hours"] > 0
        assert 1 <= entry["distinct_instructions"] <= entry["instances"]
        assert abs(sum(entry["variant_share"].values()) - 1.0) < 1e-3, minor
    groups: dict[str, int] = defaultdict(int)
    for minor, entry in by.items():
        groups[catalog()[minor].domain] += entry["instances"]
    assert groups == {k: v["instances"] for k, v in stats["by_domain"].items()}


def test_coverage_listing_names_every_recipe_that_fed_a_task(build: Build) -> None:
    built = {(r["task_type"]["minor"][0], r["other"]["dataset"]) for r, _ in build.samples}
    wrong = sorted((t, d) for t, d in built if d not in fed_by()[t])
    assert wrong == [], f"built from recipes the coverage listing does not name: {wrong}"


# -- answers follow the corpus labels -------------------------------------------------------------------------------

#: Label tasks: the output ends with this corpus field of the recording.
OUTPUT_ENDS_WITH = {
    "Automatic Speech Recognition": "transcript",
    "Dialect ASR": "transcript",
    "Phonetic Recognition": "phonemes",
    "Intent Classification": "intent",
    "Speech-to-Text Translation": "translation",
    "Gender Recognition": "gender",
    "Age Recognition": "age",
    "Emotion Recognition": "emotion",
    "Accent Recognition": "accent",
    "Language Identification": "language",
    "Dialect Identification": "dialect",
    "Speaker Identification": "speaker",
    "Speech Caption": "caption",
    "Deepfake Detection": "spoof",
    "Vocoder Type Classification": "vocoder",
    "Device Recognition": "device",
    "Key Detection": "key",
    "Scale Recognition": "scale",
    "Music Tagging": "tags",
    "Genre Classification": "genre",
    "Emotion Classification": "emotion",
    "Pitch Classification": "pitch",
    "Instrument Classification": "instrument",
    "Vocal Technique Classification": "technique",
    "Instrumental Technique Classification": "technique",
    "Artist Identification": "artist",
    "Beat Tracking": "beats",
    "Chord Estimation": "chords",
    "Progression Extraction": "progression",
    "Beat-level Instrument Recognition": "beat_instruments",
    "Beat-level Pitch Estimation": "beat_pitches",
    "Music Caption": "caption",
    "Melody Extraction": "melody",
    "Sound Event Recognition": "label",
    "Acoustic Scene Classification": "scene",
    "Audio Caption": "caption",
    "Deepfake Audio Detection": "spoof",
}
#: Generation and text-queried tasks: the instruction or input holds these fields of the recording (the text that
#: the output audio realises, or the query that names the target); ``output:`` fields are in the output instead.
TEXT_HOLDS: dict[str, tuple[str, ...]] = {
    "Text to Speech": ("transcript",),
    "Zero-shot TTS": ("transcript",),
    "Emotional TTS": ("transcript", "emotion"),
    "Zero-shot Emotional TTS": ("transcript", "emotion"),
    "Descriptive Speech Synthesis": ("transcript", "caption"),
    "Spontaneous TTS": ("transcript",),
    "Emotion Conversion": ("emotion",),
    "Speech-to-Speech Translation": ("language",),
    "Text-to-Music Generation": ("caption",),
    "Lyrics-to-Song Generation": ("lyrics",),
    "Singing Voice Synthesis": ("lyrics", "notes"),
    "Text-guided Music Continuation": ("genre",),
    "Text-guided Source Separation": ("instrument",),
    "Text-guided Audio Generation": ("label",),
    "Time-grounded Text-to-Audio": ("label",),
    "Label-querying Sound Extraction": ("label",),
    "Text-guided Audio Source Separation": ("caption",),
    "Sound Event Understanding": ("output:imitated",),
}
#: Comparison tasks: the answer follows this field of the two recordings (equal, or which is greater).
COMPARED = {
    "Speaker Verification": "speaker",
    "Spoken Paragraph Recognition": "chapter",
    "Emotion Comparison": "emotion",
    "Instrument Comparison": "instrument_id",
    "Instrumental Technique Comparison": "technique",
    "Key Comparison": "key",
    "Tempo Comparison": "tempo",
}
#: Tasks whose answer is audio built here or a measurement of it (each has a test below that measures it), or the
#: recording itself, whose partners are what the task says (the source says the same text in another voice...).
MEASURED = {
    "Denoising",
    "Signal-to-noise Ratio Estimation",
    "Dereverberation",
    "Declipping",
    "Speech Bandwidth Extension",
    "Audio Inpainting",
    "Audio Super-resolution",
    "Audio Continuation",
    "Sound Event Detection",
    "Sound Event Sequence Recognition",
    "Speaker Diarization",
    "Voice Activity Detection",
    "Speaker Extraction",
    "Audio-querying Sound Extraction",
    "Voice Conversion",
    "Singing Voice Conversion",
    "Speech Nonspeech Detection",
    "Speech/Silence/Music/Noise Classification",
}


def test_every_task_has_an_answer_check() -> None:
    kinds = [set(OUTPUT_ENDS_WITH), set(TEXT_HOLDS), set(COMPARED), MEASURED]
    assert sum(len(k) for k in kinds) == len(catalog()) and set().union(*kinds) == set(catalog())


def test_label_answers_follow_the_corpus_labels(build: Build) -> None:
    for minor, field in OUTPUT_ENDS_WITH.items():
        for rec, _ in by_task(build, minor):
            value = text(meta_of(build, rec["other"])[field])
            assert rec["output"].endswith(value), (minor, rec["uuid"], value, rec["output"])
            if minor == "Artist Identification":  # one of the options offered, the others artists of the corpus
                offered = rec["input"].rsplit("Options: ", 1)[1].split(", ")
                artists = {r.meta.get("artist") for (d, _), r in build.truth.items() if d == rec["other"]["dataset"]}
                assert value in offered and set(offered) <= artists, rec["input"]


def test_generation_text_holds_the_corpus_labels(build: Build) -> None:
    for minor, fields in TEXT_HOLDS.items():
        for rec, _ in by_task(build, minor):
            meta = meta_of(build, rec["other"])
            for field in fields:
                where, name = ("output", field[7:]) if field.startswith("output:") else ("prompt", field)
                said = rec["output"] if where == "output" else rec["instruction"] + "\n" + rec["input"]
                assert text(meta[name]) in said, (minor, rec["uuid"], name, meta[name])


def test_compared_pairs_answer_from_both_labels(build: Build) -> None:
    """The answer follows the two recordings' labels, and the pairs are balanced within each dataset's split."""
    for minor, field in COMPARED.items():
        rule = templates()[minor].compare or {}
        assert rule.get("field") == field, minor
        answers: Counter[tuple[str, str, str]] = Counter()
        for rec, _ in by_task(build, minor):
            mine, other = meta_of(build, rec["other"])[field], meta_of(build, rec["other"]["partners"][0])[field]
            if rule["op"] == "equal":
                expected = "same" if mine == other else "different"
            else:
                assert float(mine) != float(other), rec["uuid"]
                expected = "first" if float(mine) > float(other) else "second"
            assert rec["output"].endswith(rule["answers"][expected]), (minor, rec["uuid"], mine, other)
            answers[(rec["other"]["dataset"], rec["split"][0], expected)] += 1
        if rule["op"] == "equal":
            for d, s, _ in answers:  # balanced within each unit of work and split (+-1: an odd number in a unit)
                gap = abs(answers[(d, s, "same")] - answers[(d, s, "different")])
                assert gap <= build.units[d], (minor, build.units[d], dict(answers))


def test_partners_share_the_split_and_keep_the_templates_rules(build: Build) -> None:
    """A partner is another recording of the same dataset and split, related to this one as the task says (the
    voice-conversion source says the same text in another voice, the reference is the target voice...)."""
    checked = 0
    for rec, _ in build.samples:
        t = templates()[rec["task_type"]["minor"][0]]
        me = build.truth[(rec["other"]["dataset"], rec["other"]["recording_id"])]
        specs = {s.role: s for s in t.partners}
        for p in rec["other"].get("partners") or []:
            partner = build.truth[(p["dataset"], p["recording_id"])]
            if p["dataset"] == rec["other"]["dataset"]:
                assert partner.recording_id != me.recording_id
            if not rec["task_type"]["unseen"]:
                assert partner.split == me.split, f"{rec['uuid']}: partner from {partner.split}"
            for field, mode in specs[p["role"]].match:
                if mode != "balanced":
                    same = text(partner.meta.get(field)) == text(me.meta.get(field))
                    assert same == (mode == "same"), (t.minor, p["role"], field, me.meta.get(field))
            checked += 1
    assert checked > 100


def notes(text_: str) -> list[tuple[float, float, str]]:
    return [(float(a), float(b), n) for a, b, n in re.findall(r"(\d+\.\d+)-(\d+\.\d+) ([A-G]#?-?\d)", text_)]


def test_melody_notes_follow_the_annotation(build: Build) -> None:
    """Each note of the answer spans annotated f0 frames whose median pitch is that note, and the notes cover the
    voiced frames of the fixture's MELODY file."""
    instances = by_task(build, "Melody Extraction")
    assert instances
    for rec, _ in instances:
        track = rec["other"]["recording_id"]
        folder = build.roots["medleydb"] / "Annotations" / "Melody_Annotations"
        path = next(p for n in (2, 1) if (p := folder / f"MELODY{n}" / f"{track}_MELODY{n}.csv").is_file())
        rows = np.array([[float(c) for c in r[:2]] for r in csv.reader(path.read_text().splitlines())])
        t, f0 = rows[:, 0], rows[:, 1]
        said = notes(rec["output"])
        assert said, rec["output"]
        covered = np.zeros(len(t), dtype=bool)
        for a, b, name in said:
            inside = (t >= a - 1e-6) & (t < b - 1e-6) & (f0 > 0)
            assert inside.any(), (track, a, b)
            assert vocab.note_name(69 + 12 * np.log2(np.median(f0[inside]) / 440)) == name, (track, a, b, name)
            covered |= inside
        assert covered.sum() >= 0.9 * (f0 > 0).sum(), track


def test_speech_answers_follow_the_vad_on_the_audio(build: Build) -> None:
    """Speech presence and the content class against silero-vad run again on each instance's audio: real speech
    (LibriSpeech) answers yes, a real clip without speech (ESC-50) no, and every other instance as measured."""
    seen: dict[tuple[str, bool], int] = Counter()
    for minor in ("Speech Nonspeech Detection", "Speech/Silence/Music/Noise Classification"):
        instances = by_task(build, minor)
        assert instances, minor
        for rec, members in instances:
            measured = content.measure(*audio_of(members["input.flac"]))
            meta, dataset = meta_of(build, rec["other"]), rec["other"]["dataset"]
            if minor == "Speech Nonspeech Detection":
                speech = content.has_speech(measured, meta)
                seen[(dataset, speech)] += 1
                assert rec["output"] == ("Yes, it contains speech." if speech else "No, it contains no speech."), rec
            else:
                assert rec["output"].endswith(content.content_class(measured, registry()[dataset].domain, meta))
    assert seen[("librispeech", True)] > 0 and seen[("esc50", False)] > 0, seen
    assert not seen[("librispeech", False)] and not seen[("esc50", True)], seen


# -- built audio, measured ------------------------------------------------------------------------------------------


def clean_matches_the_recording(build: Build, rec: dict[str, Any], clean: np.ndarray, rate: int) -> None:
    """The clean answer is the corpus recording's own window (up to a gain): correlation with it decoded again."""
    other = rec["other"]
    recording = build.truth[(other["dataset"], other["recording_id"])]
    data = (build.roots[other["dataset"]] / recording.audio).read_bytes()
    x, orig = ops.decode(data, recording.audio)
    x = ops.resample(ops.to_mono(x), orig, rate)[round(other["start_s"] * rate) :][: len(clean)]
    n = min(len(x), len(clean))
    assert n >= len(clean) - 2, (rec["uuid"], len(x), len(clean))
    assert np.corrcoef(x[:n], clean[:n])[0, 1] > 0.99, rec["uuid"]


def test_denoising_inputs_have_the_recorded_snr(build: Build) -> None:
    pairs = by_task(build, "Denoising")
    assert pairs
    for rec, members in pairs:
        assert abs(ratio_db(members) - rec["other"]["built"]["snr_db"]) < 0.5, rec["uuid"]
        clean_matches_the_recording(build, rec, *audio_of(members["output.flac"]))
    for rec, _ in by_task(build, "Signal-to-noise Ratio Estimation"):
        number = float(re.findall(r"-?\d+(?:\.\d+)?", rec["output"])[-1])
        assert abs(number - rec["other"]["built"]["snr_db"]) <= 0.05 + 1e-9  # one decimal in the text


def test_enhancement_pairs_damage_the_recording_as_stated(build: Build) -> None:
    """Declipping: the input is the answer cut flat at the clip level; bandwidth extension: nothing above the
    cutoff in the input; dereverberation: the input adds reverberant energy. The answer is the recording itself."""
    for minor in ("Declipping", "Speech Bandwidth Extension", "Dereverberation"):
        pairs = by_task(build, minor)
        assert pairs, minor
        for rec, members in pairs:
            (given, rate), (answer, _) = audio_of(members["input.flac"]), audio_of(members["output.flac"])
            b = rec["other"]["built"]
            clean_matches_the_recording(build, rec, answer, rate)
            if minor == "Declipping":
                level = float(np.max(np.abs(given)))
                flat = np.abs(given) >= level - 1e-3
                assert abs(flat.mean() - b["clipped_ratio"]) < 0.02, (rec["uuid"], flat.mean(), b)
                under = np.abs(answer) < 0.99 * level
                assert np.max(np.abs(given[under] - answer[under])) < 1e-3, rec["uuid"]  # untouched below the level
                assert np.max(np.abs(answer)) > level, rec["uuid"]
            elif minor == "Speech Bandwidth Extension":
                freqs = np.fft.rfftfreq(len(given), 1 / rate)
                high = freqs > 1.05 * b["cutoff_hz"]

                def share_db(x: np.ndarray, high: np.ndarray = high) -> float:
                    power = np.abs(np.fft.rfft(x)) ** 2
                    return float(10 * np.log10(power[high].sum() / power.sum() + 1e-20))

                assert share_db(given) < -40 and share_db(answer) > share_db(given) + 10, rec["uuid"]
            else:
                assert len(given) == len(answer) and ratio_db(members) < 6, rec["uuid"]


def test_inpainting_gap_is_silent_exactly_where_stated(build: Build) -> None:
    pairs = by_task(build, "Audio Inpainting")
    assert pairs
    for rec, members in pairs:
        gapped, rate = audio_of(members["input.flac"])
        original, _ = audio_of(members["output.flac"])
        b = rec["other"]["built"]
        a, z = round(b["gap_start_s"] * rate), round(b["gap_end_s"] * rate)
        assert f"{b['gap_start_s']:.3f}" in rec["instruction"] + rec["input"]
        assert np.all(gapped[a:z] == 0.0) and np.any(original[a:z] != 0.0)
        assert np.array_equal(np.delete(gapped, np.s_[a:z]), np.delete(original, np.s_[a:z]))
        clean_matches_the_recording(build, rec, original, rate)


def test_a_separation_mixture_holds_its_target_at_the_recorded_ratio(build: Build) -> None:
    for minor in (
        "Label-querying Sound Extraction",
        "Audio-querying Sound Extraction",
        "Speaker Extraction",
        "Text-guided Source Separation",
        "Text-guided Audio Source Separation",
    ):
        pairs = by_task(build, minor)
        assert pairs, minor
        for rec, members in pairs:
            assert abs(ratio_db(members) - rec["other"]["built"]["tir_db"]) < 0.5, rec["uuid"]


def test_placed_events_sound_where_the_text_says(build: Build) -> None:
    """Event detection answers where the event was placed; time-grounded generation's scene sounds where its
    input says; a sequence names its events in the order they sound."""
    for minor, member in (("Sound Event Detection", "input.flac"), ("Time-grounded Text-to-Audio", "output.flac")):
        instances = by_task(build, minor)
        assert instances, minor
        for rec, members in instances:
            b = rec["other"]["built"]
            said = rec["output"] if member == "input.flac" else rec["input"]
            assert f"{b['onset_s']:.3f}" in said and f"{b['offset_s']:.3f}" in said, said
            scene, rate = audio_of(members[member])
            a, z = round(b["onset_s"] * rate), round(b["offset_s"] * rate)
            assert np.mean(scene[a:z] ** 2) > 2 * np.mean(np.concatenate([scene[:a], scene[z:]]) ** 2), rec["uuid"]
    sequences = by_task(build, "Sound Event Sequence Recognition")
    assert sequences
    for rec, members in sequences:
        b = rec["other"]["built"]
        roles = {p["role"]: p for p in rec["other"]["partners"]}
        labels = [meta_of(build, rec["other"] if r == "self" else roles[r])["label"] for r in b["order"]]
        assert len(set(labels)) == len(labels) and rec["output"].endswith(", ".join(labels)), (labels, rec["output"])
        x, rate = audio_of(members["input.flac"])
        inside = np.zeros(len(x), dtype=bool)
        for s, e in b["bounds"]:
            inside[round(s * rate) : round(e * rate)] = True
        assert np.mean(x[inside] ** 2) > 10 * np.mean(x[~inside] ** 2), rec["uuid"]


def test_voice_activity_and_diarization_answer_the_built_timeline(build: Build) -> None:
    """VAD: the stated segments are the speech placed in the padded input, at the recorded SNR; diarization: the
    timeline names the speakers of the recordings concatenated, turn by turn."""
    segments = set()
    for rec, members in by_task(build, "Voice Activity Detection"):
        b = rec["other"]["built"]
        assert rec["output"].endswith(", ".join(f"{s:.3f}-{e:.3f}" for s, e in b["bounds"])), rec["output"]
        x, rate = audio_of(members["input.flac"])
        inside = np.zeros(len(x), dtype=bool)
        for s, e in b["bounds"]:
            inside[round(s * rate) : round(e * rate)] = True
        measured = 10 * np.log10(np.mean(x[inside] ** 2) / np.mean(x[~inside] ** 2))
        assert abs(measured - b["snr_db"]) < 1.0, (rec["uuid"], measured, b["snr_db"])
        segments.add(len(b["bounds"]))
    speakers, turns = set(), set()
    for rec, _ in by_task(build, "Speaker Diarization"):
        b = rec["other"]["built"]
        roles = {p["role"]: p for p in rec["other"]["partners"]}
        voices = [meta_of(build, rec["other"] if r == "self" else roles[r])["speaker"] for r in b["order"]]
        assert b["speaker_ids"] == voices and len(set(voices)) == b["speakers"], (voices, b)
        for s, e in b["bounds"]:
            assert f"{s:.3f}-{e:.3f}" in rec["output"], rec["output"]
        speakers.add(b["speakers"])
        turns.add(len(b["bounds"]))
        assert 1 <= b["speakers"] <= 4 and b["bounds"][0][0] > 0.0
    # The test split of these fixtures holds few voices: one- and two-speaker conversations, turns back and forth.
    assert len(speakers) >= 2 and max(turns) > max(speakers) and max(segments) >= 3, (speakers, turns, segments)


def test_low_rate_inputs_and_continuations(build: Build) -> None:
    for rec, members in by_task(build, "Audio Super-resolution"):
        assert sf.info(io.BytesIO(members["input.flac"])).samplerate == rec["other"]["built"]["low_rate"]
        assert sf.info(io.BytesIO(members["output.flac"])).samplerate == 16000
        clean_matches_the_recording(build, rec, *audio_of(members["output.flac"]))
    for minor in ("Audio Continuation", "Text-guided Music Continuation"):
        pairs = by_task(build, minor)
        assert pairs, minor
        for rec, members in pairs:
            b = rec["other"]["built"]  # the prompt starts inside the sound; the continuation runs to its end
            parts = [sf.info(io.BytesIO(members[m])).duration for m in ("input.flac", "output.flac")]
            assert abs(sum(parts) - (b["end_s"] - b["start_s"])) < 0.01
            assert 0 <= b["start_s"] < b["end_s"] <= rec["other"]["end_s"] - rec["other"]["start_s"] + 1e-6


def test_no_built_input_is_silent(build: Build) -> None:
    checked = 0
    for rec, members in build.samples:
        if not rec["other"].get("built"):
            continue
        for name, data in members.items():
            if name.endswith(".flac"):
                x, _ = audio_of(data)
                assert 20 * np.log10(max(float(np.max(np.abs(x))), 1e-12)) >= -60.0, (rec["uuid"], name)
                checked += 1
    assert checked > 100


# -- splits and ids ----------------------------------------------------------------------------------------------------

#: Tasks tested on voices unseen in training: no speaker may be in two splits.
SPEAKER_DISJOINT = (
    "Automatic Speech Recognition",
    "Text to Speech",
    "Speaker Verification",
    "Speaker Extraction",
    "Voice Conversion",
    "Zero-shot TTS",
    "Zero-shot Emotional TTS",
    "Emotion Conversion",
    "Singing Voice Conversion",
)
#: Corpora whose official split shares speakers (documented in their recipes): kept as the corpus defines it.
SHARED_SPEAKER_SPLITS = {
    "aishell3": "the official test speakers also appear in train",
    "esd": "each speaker's utterances are split into train / evaluation / test",
    "emov_db": "four speakers: split by sentence, every speaker in every split",
}


def speaker_splits(build: Build, tasks: tuple[str, ...]) -> dict[tuple[str, str], set[str]]:
    """(dataset, speaker) -> the splits of the instances of ``tasks`` that hold that speaker's voice."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for minor in tasks:
        for rec, _ in by_task(build, minor):
            for ref in [rec["other"], *(rec["other"].get("partners") or [])]:
                speaker = meta_of(build, ref).get("speaker")
                if speaker:
                    found[(ref["dataset"], speaker)].add(rec["split"][0])
    return found


def test_no_speaker_is_in_two_splits_of_a_speaker_disjoint_task(build: Build) -> None:
    crossing = {k: v for k, v in speaker_splits(build, SPEAKER_DISJOINT).items() if len(v) > 1}
    assert [k for k in crossing if k[0] not in SHARED_SPEAKER_SPLITS] == [], crossing
    assert len(speaker_splits(build, SPEAKER_DISJOINT)) >= 20  # enough voices to mean something
    # The measurement sees a crossing where there is one: closed-set identification re-splits within speakers.
    assert any(len(v) > 1 for v in speaker_splits(build, ("Speaker Identification",)).values())


def label_values(meta: dict[str, Any]) -> set[str]:
    """A recording's label values (and the parts of an id-like one, ``crema_d_1001`` -> ``1001``), lower case."""
    out = set()
    for value in meta.values():
        for v in {str(value), text(value)}:
            v = v.strip().lower()
            out.add(v)
            if " " not in v:
                out.update(p for p in re.split(r"[_\-]", v) if p)
    return out - {""}


HEX = re.compile(r"^[0-9a-f]+$")


def leaks(identifier: str, prefix: str, labels: set[str]) -> list[str]:
    """Labels readable from an id: a label equal to one of its ``_`` tokens, or one of 4+ characters inside it. The
    ``<NN>_<Dataset>_`` head is the recipe's name, the same for every record; a label of hex digits is looked for in
    the other tokens only (one sits inside a 64-bit digest by chance about once in 4000 ids)."""
    assert identifier.startswith(prefix + "_"), (identifier, prefix)
    rest = identifier[len(prefix) + 1 :].lower()
    tokens = rest.split("_")
    found = [v for v in labels if v in tokens]
    for v in labels:
        if len(v) >= 4 and v not in found:
            where = [t for t in tokens if not HEX.match(t)] if HEX.match(v) else [rest]
            found += [v] * any(v in w for w in where)
    return found


def test_no_label_is_readable_from_an_id(build: Build) -> None:
    """Every key, uuid and AUDIO_ID searched for every label value of the recordings it holds."""
    checked = 0
    for rec, _ in build.samples:
        refs = [rec["other"], *(rec["other"].get("partners") or [])]
        labels = set().union(*(label_values(meta_of(build, r)) for r in refs))
        prefix = ids.prefix(registry()[rec["other"]["dataset"]].number, rec["other"]["dataset"])
        for identifier in [rec["uuid"], *(a["id"] for a in rec["audio"])]:
            assert leaks(identifier, prefix, labels) == [], (identifier, rec["other"])
            checked += 1
    assert checked > 1000
    # The search finds a label where an id spells it: the corpus's own ids, as ``build.opaque_ids: false`` writes them.
    spelled = 0
    for (dataset, rid), recording in build.truth.items():
        if dataset in ("crema_d", "fsdd"):
            number = registry()[dataset].number
            plain = ids.audio_id(number, dataset, rid, None, None, opaque=False)
            spelled += bool(leaks(plain, ids.prefix(number, dataset), label_values(recording.meta)))
    assert spelled >= 10
