"""The build's stages on real audio, without Ray: every corpus format decodes (checked against ffmpeg), segments
come out as configured, quality filters and features work, and drops are counted by reason in rows and seconds."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from audioflan_ray import config
from audioflan_ray.audio import content
from audioflan_ray.pipeline.stages import STAGES, label_of, run_rows
from audioflan_ray.tasks.engine import templates
from tests.conftest import SAMPLES

LJ = SAMPLES / "ljspeech/LJSpeech-1.1/wavs/LJ001-0002.wav"
STAGE = {s.name: s for s in STAGES}


def run(name: str, rows: list[dict[str, Any]], *overrides: str) -> list[dict[str, Any]]:
    cfg = config.load(None, list(overrides))
    stage = STAGE[name]
    cols = sorted({k for r in rows for k in r} | set(stage.provides) | {"error"})
    cols = [c for c in cols if c not in stage.drops]
    return run_rows(stage, stage.setup(cfg), rows, cols)


def base_row(data: bytes, name: str = "x", domain: str = "speech", meta: dict[str, Any] | None = None) -> dict:
    return {"data": data, "audio_uri": name, "domain": domain, "meta": json.dumps(meta or {}), "error": ""}


def encoded(fmt: str, subtype: str, audio: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, audio, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def ffmpeg_decode(data: bytes) -> np.ndarray:
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "f32le", "-ac", "1", "pipe:1"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, dtype=np.float32)


@pytest.mark.parametrize(
    ("fmt", "subtype", "lossless"),
    [
        ("WAV", "PCM_16", True),
        ("WAV", "PCM_24", True),
        ("WAV", "PCM_32", True),
        ("WAV", "FLOAT", True),
        ("FLAC", "PCM_16", True),
        ("OGG", "VORBIS", False),
        ("OGG", "OPUS", False),
        ("MP3", "MPEG_LAYER_III", False),
    ],
)
def test_every_corpus_format_decodes_like_ffmpeg(fmt: str, subtype: str, lossless: bool) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed: it is the independent decoder here")
    audio, rate = sf.read(LJ, dtype="float32")
    if subtype == "OPUS":  # Opus runs at 48 kHz
        rate, audio = (
            48000,
            np.interp(np.arange(len(audio) * 48000 // 22050) * 22050 / 48000, np.arange(len(audio)), audio).astype(
                np.float32
            ),
        )
    data = encoded(fmt, subtype, audio, rate)
    (row,) = run("decode", [base_row(data)])
    assert row["error"] == "", row["error"]
    ours = np.frombuffer(row["samples"], dtype=np.float32)
    ref = ffmpeg_decode(data)
    assert row["sample_rate"] == rate
    if lossless:
        assert len(ours) == len(ref) and np.max(np.abs(ours - ref)) < 1e-4
    else:  # decoders may trim encoder delay differently: align by cross-correlation, then compare waveforms
        assert abs(len(ours) - len(ref)) < 0.08 * rate
        probe = ref[rate : rate + 4096]
        lag = int(np.argmax(np.correlate(ours[rate - 2048 : rate + 4096 + 2048], probe, "valid"))) - 2048
        a = ours[max(lag, 0) :]
        b = ref[max(-lag, 0) :]
        m = min(len(a), len(b))
        assert np.corrcoef(a[:m], b[:m])[0, 1] > 0.99


def test_multichannel_is_mixed_down_or_a_channel_kept() -> None:
    audio, rate = sf.read(LJ, dtype="float32")
    stereo = np.stack([audio, np.zeros_like(audio)], axis=1)
    data = encoded("WAV", "PCM_16", stereo, rate)
    (mixed,) = run("decode", [base_row(data)])
    (left,) = run("decode", [base_row(data)], "audio.channel=0")
    m, left_ch = np.frombuffer(mixed["samples"], np.float32), np.frombuffer(left["samples"], np.float32)
    assert np.allclose(m, left_ch / 2, atol=1e-4)
    (bad,) = run("decode", [base_row(data)], "audio.channel=3")
    assert json.loads(bad["error"])["type"] == "missing_channel" and "channel 3" in json.loads(bad["error"])["message"]


def test_undecodable_input_is_quarantined_with_the_decoders_reason() -> None:
    rows = run("decode", [base_row(b"\x00\x01" * 500, "junk.wav"), base_row(LJ.read_bytes()[:3000], "cut.wav")])
    errors = [json.loads(r["error"]) for r in rows]
    assert [e["stage"] for e in errors] == ["decode", "decode"]
    assert "Format not recognised" in errors[0]["message"] or "recognised" in errors[0]["message"]
    assert "truncated, " in errors[1]["message"] and errors[1]["type"] == "truncated"


def decoded_row(audio: np.ndarray, rate: int, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "samples": audio.astype(np.float32).tobytes(),
        "sample_rate": rate,
        "duration_s": len(audio) / rate,
        "meta": json.dumps(meta or {}),
        "domain": "speech",
        "error": "",
    }


def long_speech() -> tuple[np.ndarray, int]:
    audio, rate = sf.read(LJ, dtype="float32")
    return np.concatenate([audio] * 12), rate  # ~ 20 s of real speech


def test_segment_modes_fixed_equal_and_corpus_given() -> None:
    audio, rate = long_speech()
    total = len(audio) / rate
    rows = run(
        "segment",
        [decoded_row(audio, rate)],
        "audio.max_duration_s=6",
        "audio.segment.mode=fixed",
        "audio.segment.length_s=5",
        "audio.segment.tail=keep",
        "audio.segment.min_tail_s=0.5",
    )
    spans = [(r["start_s"], r["end_s"]) for r in rows]
    assert spans[0] == (0.0, 5.0) and all(abs((e - s) - 5.0) < 1e-6 for s, e in spans[:-1])
    assert abs(spans[-1][1] - total) < 1e-3
    rows = run("segment", [decoded_row(audio, rate)], "audio.max_duration_s=6")
    assert len(rows) == int(np.ceil(total / 6)) and all(r["end_s"] - r["start_s"] <= 6 for r in rows)
    given = json.dumps([[1.0, 2.5], [4.0, 7.25]])
    rows = run("segment", [decoded_row(audio, rate, {"segments": given})])
    got = [(r["start_s"], r["end_s"]) for r in rows]
    assert np.allclose(got, [(1.0, 2.5), (4.0, 7.25)], atol=1 / rate)  # to the nearest sample
    assert all(len(r["samples"]) // 4 == round((r["end_s"] - r["start_s"]) * rate) for r in rows)


def test_silence_mode_cuts_in_pauses_of_real_speech() -> None:
    audio, rate = sf.read(LJ, dtype="float32")
    pause = np.zeros(int(0.6 * rate), dtype=np.float32)
    parts, bounds, t = [], [], 0
    for _ in range(6):
        parts += [audio, pause]
        t += len(audio)
        bounds.append((t, t + len(pause)))
        t += len(pause)
    signal = np.concatenate(parts)
    rows = run(
        "segment",
        [decoded_row(signal, rate)],
        "audio.max_duration_s=6",
        "audio.segment.mode=silence",
        "audio.segment.min_s=2",
    )
    cuts = [int(round(r["start_s"] * rate)) for r in rows[1:]]
    assert cuts, "expected cuts"
    for c in cuts:
        assert any(a <= c <= b for a, b in bounds), f"cut at {c / rate:.2f} s is not in a pause"
    assert all(2.0 - 1e-6 <= r["end_s"] - r["start_s"] <= 6.0 + 1e-6 for r in rows[:-1])


def dsp(rows: list[dict[str, Any]], *overrides: str) -> list[dict[str, Any]]:
    return run("dsp", rows, *overrides)


def test_dsp_resamples_measures_and_filters_by_reason() -> None:
    audio, rate = sf.read(LJ, dtype="float32")
    rng = np.random.default_rng(0)
    noisy = audio + rng.normal(0, np.sqrt(np.mean(audio**2)), len(audio)).astype(np.float32)  # ~0 dB SNR
    rows = [decoded_row(audio, rate), decoded_row(noisy, rate)]
    for r in rows:
        r.update(start_s=0.0, end_s=r["duration_s"])
    clean, dirty = dsp(rows, "audio.quality.min_snr_db=10")
    assert clean["error"] == "" and clean["sample_rate"] == 16000
    assert abs(len(clean["samples"]) // 4 - len(audio) * 16000 / rate) <= 1
    q = json.loads(clean["quality"])
    levels = {"rms_dbfs", "peak_dbfs", "clipping_ratio", "silence_ratio", "snr_db"}
    assert set(q) == levels | set(content.FIELDS) and q["snr_db"] > 10
    # No content task asked: the content keys are there, null, as in a record whose row was measured.
    assert all(q[k] is None for k in set(content.FIELDS) - levels)
    (measured,) = dsp([{**rows[0], "tasks": json.dumps(["Speech Nonspeech Detection"])}])
    assert set(json.loads(measured["quality"])) == set(q) and json.loads(measured["quality"])["speech_ratio"] > 0.5
    err = json.loads(dirty["error"])
    assert err["stage"] == "dsp" and err["type"] == "low_snr"


def test_loudness_normalization_hits_the_target() -> None:
    from audioflan_ray.audio.quality import loudness_lufs

    audio, rate = sf.read(LJ, dtype="float32")
    row = decoded_row(0.1 * audio, rate)
    (out,) = dsp([row], "audio.quality.normalize_lufs=-23")
    x = np.frombuffer(out["samples"], np.float32)
    assert abs(loudness_lufs(x, 16000) + 23.0) < 0.5


def test_features_member_is_log_mel_of_the_segment() -> None:
    from audioflan_ray.audio.features import log_mel

    audio, rate = sf.read(LJ, dtype="float32")
    (out,) = dsp([decoded_row(audio, rate)], "audio.features.kind=log_mel")
    feats = np.load(io.BytesIO(out["features"]))
    x = np.frombuffer(out["samples"], np.float32)
    assert feats.shape[1] == 80 and np.allclose(feats, log_mel(x, 16000), atol=1e-4)
    (fb,) = dsp([decoded_row(audio, rate)], "audio.features.kind=fbank", "audio.features.n_mels=40")
    assert np.load(io.BytesIO(fb["features"])).shape[1] == 40


def test_drops_are_counted_by_reason_in_rows_and_seconds(tmp_path: Path) -> None:
    from tests.pipeline_util import build

    cfg = config.load(
        None,
        [
            f"output.uri={tmp_path / 'q'}",
            f"sources=[{{recipe: ljspeech, root: {SAMPLES / 'ljspeech'}, limit: 4}}]",
            "audio.quality.min_rms_dbfs=-20",
            "build.max_error_fraction=1.0",  # most of these quiet clips are quarantined on purpose
            "audio.features.kind=log_mel",
            "audio.simulate.noise=null",
            "build.tasks=[Automatic Speech Recognition, Text to Speech, Gender Recognition, Accent Recognition, "
            "Language Identification, Speaker Identification]",
        ],
    )
    build(cfg)
    stats = json.loads((tmp_path / "q" / "stats.json").read_text())
    quiet = stats["errors"]["by_reason"].get("too_quiet", {"rows": 0})
    kept = stats["recordings_planned"]["ljspeech"] - quiet["rows"]
    assert quiet["rows"] >= 1 and quiet["audio_seconds"] > 1.0
    assert stats["instances"] == kept * 6
    from audioflan_ray.validate import validate

    report = validate(str(tmp_path / "q"))
    assert report["ok"], report["problems"]


def test_a_task_can_ask_for_its_own_sample_rate(tmp_path: Path) -> None:
    from tests.pipeline_util import build

    uri = tmp_path / "rates"
    cfg = config.load(
        None,
        [
            f"output.uri={uri}",
            f"sources=[{{recipe: vctk, root: {SAMPLES / 'vctk'}}}]",
            "audio.task_sample_rate={Text to Speech: 24000}",
            "audio.simulate.noise=null",
            "build.tasks=[Text to Speech, Automatic Speech Recognition, Gender Recognition, Accent Recognition]",
        ],
    )
    build(cfg)
    import webdataset as wds

    rates: dict[str, set[int]] = {}
    for sample in wds.WebDataset(
        sorted(str(p) for p in (uri / "shards").rglob("*.tar")), shardshuffle=False, empty_check=False
    ):
        rec = json.loads(sample["json"])
        member = rec["audio"][0]["member"]
        info = sf.info(io.BytesIO(sample[member]))
        rates.setdefault(rec["task_type"]["minor"][0], set()).add(info.samplerate)
        src = sf.info(
            str(
                SAMPLES
                / "vctk/VCTK-Corpus/wav48"
                / rec["other"]["recording_id"].split("_")[0]
                / f"{rec['other']['recording_id']}.wav"
            )
        )
        assert abs(info.duration - src.duration) < 0.01
    assert rates.pop("Text to Speech") == {24000}
    assert rates and all(r == {16000} for r in rates.values())
    from audioflan_ray.validate import validate

    assert validate(str(uri))["ok"]


def test_label_is_the_value_the_answer_is_about() -> None:
    """stats.json counts a conversion by its target value, not by the first required field (the speaker)."""
    ec = templates()["Emotion Conversion"]
    meta = {"transcript": "Kids are talking by the door.", "speaker": "1001", "emotion": "happy"}
    values = {**meta, "source_transcript": meta["transcript"], "source_speaker": "1001", "source_emotion": "sad"}
    assert label_of(ec, meta, values) == "happy"
    # the answer is the partner's recording: its emotion is the one asked for
    assert label_of(replace(ec, slots={"source": "self", "audio": "partner.source"}), meta, values) == "sad"
    # the output names a partner's value
    named = replace(ec, output="{prefix}{source_emotion}", slots={"audio": "self"})
    assert label_of(named, meta, values) == "sad"
    s2st = templates()["Speech-to-Speech Translation"]
    meta = {"parallel_id": "1906", "language": "Hungarian"}
    assert label_of(s2st, meta, {**meta, "source_parallel_id": "1906", "source_language": "English"}) == "Hungarian"
    # labels of other tasks stay what they were: a computed answer, else the first required label
    cmp_ = templates()["Instrumental Technique Comparison"]
    meta = {"technique": "tremolo", "instrument": "violin"}
    assert label_of(cmp_, meta, {**meta, "answer": "Both use the same playing technique."}).startswith("Both")
    assert label_of(templates()["Instrumental Technique Classification"], meta, meta) == "tremolo"
