"""Real pairs from a corpus's own related audio (``target_audio``, ``stems``), built without Ray on real recordings:
the target is the clean source cut to the mixture's window, at the mixture's gain, so the pair is sample-aligned and
the mixture minus the target is the interferer alone."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from audioflan_ray import config, ids
from audioflan_ray.audio import ops
from tests.conftest import SAMPLES
from tests.pipeline_util import instances

RATE = 16000
LIBRI = SAMPLES / "librispeech/LibriSpeech/test-clean/1089"
VCTK = SAMPLES / "vctk/VCTK-Corpus/wav48"
NSYNTH = SAMPLES / "nsynth/nsynth-test/audio"


def _load(path: Path) -> np.ndarray:
    audio, rate = ops.decode(path.read_bytes(), path.name)
    return ops.resample(ops.to_mono(audio), rate, RATE).astype(np.float64)


def _corpus(root: Path, items: list[tuple[str, Path, Path, dict[str, Any]]], stems: bool = False) -> None:
    """Mixtures of a source and an interferer at 0 dB; the source (or both, as stems) beside them."""
    lines = []
    (root / "clean").mkdir(parents=True)
    for rid, source, interferer, meta in items:
        s, i = _load(source), _load(interferer)
        n = min(len(s), len(i))
        s, i = s[:n], i[:n] * np.sqrt(np.sum(s[:n] ** 2) / np.sum(i[:n] ** 2))
        scale = 0.5 / np.max(np.abs(s + i))
        sf.write(root / f"{rid}.wav", (s + i) * scale, RATE, subtype="FLOAT")
        sf.write(root / "clean" / f"{rid}_s1.wav", s * scale, RATE, subtype="FLOAT")
        sf.write(root / "clean" / f"{rid}_s2.wav", i * scale, RATE, subtype="FLOAT")
        if stems:
            meta = {**meta, "stems": json.dumps({meta["instrument"]: f"clean/{rid}_s1.wav"})}
        else:
            meta = {**meta, "target_audio": f"clean/{rid}_s1.wav"}
        lines.append(json.dumps({"recording_id": rid, "audio": f"{rid}.wav", "split": "train", "meta": meta}))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")


def _instances(root: Path, domain: str, task: str, *extra: str) -> list[tuple[dict[str, Any], dict[str, bytes]]]:
    cfg = config.load(
        None,
        [
            f"output.uri={root.parent / (root.name + '-out')}",
            f"sources=[{{recipe: manifest, root: {root}, options: {{domain: {domain}}}}}]",
            "audio.simulate.noise=null",
            f"build.tasks=[{task}]",
            *extra,
        ],
    )
    return instances(cfg)


def _audio(data: bytes) -> np.ndarray:
    return np.asarray(sf.read(io.BytesIO(data), dtype="float64")[0])


def _db(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(a**2) / np.sum(b**2)))


def test_speaker_extraction_uses_the_corpus_pair_in_every_window(tmp_path: Path) -> None:
    _corpus(
        tmp_path,
        [
            ("mix1", LIBRI / "134686/1089-134686-0000.flac", VCTK / "p255/p255_367.wav", {"speaker": "1089"}),
            ("mix2", LIBRI / "134691/1089-134691-0001.flac", VCTK / "p238/p238_165.wav", {"speaker": "1089"}),
            (
                "mix3",
                SAMPLES / "ljspeech/LJSpeech-1.1/wavs/LJ001-0001.wav",
                VCTK / "p301/p301_102.wav",
                {"speaker": "LJ"},
            ),
        ],
    )
    # Windows of at most 2 s and loudness normalization: the target must follow both.
    found = _instances(
        tmp_path, "speech", "Speaker Extraction", "audio.max_duration_s=2.0", "audio.quality.normalize_lufs=-23"
    )
    windows = 0
    for rec, members in found:
        other = rec["other"]
        assert "built" not in other or other["built"] is None
        assert [r["slot"] for r in other["related"]] == ["reference", "target"]
        mixture, target = _audio(members["input.flac"]), _audio(members["output.flac"])
        assert len(mixture) == len(target)
        rid = other["recording_id"]
        s2 = _load(tmp_path / "clean" / f"{rid}_s2.wav")[round(other["start_s"] * RATE) : round(other["end_s"] * RATE)]
        rest = mixture - target
        gain = float(rest @ s2 / (s2 @ s2))
        # mixture - target is the interferer alone, at the mixture's gain (16-bit FLAC leaves ~-80 dB of error).
        assert _db(rest, rest - gain * s2) > 40.0, rid
        reference = _audio(members["input2.flac"])
        partner = other["partners"][0]
        # the partner's clean source has an id of its own (never its mixture's): hashed from "<recording>_target"
        # (its first window when it is cut into several, as every partner is)
        targets = {
            ids.audio_id(90, "manifest", f"{partner['recording_id']}_target", w, None, opaque=True) for w in (None, 0)
        }
        assert partner["role"] == "reference" and partner["audio_id"] in targets
        clean = _load(tmp_path / "clean" / f"{partner['recording_id']}_s1.wav")[: len(reference)]
        assert np.corrcoef(clean, reference)[0, 1] > 0.999  # the partner's clean source, not its mixture
        windows += other["end_s"] - other["start_s"] < 2.01
    assert len(found) >= 6 and windows == len(found)


def test_source_separation_takes_the_stem_its_instruction_names(tmp_path: Path) -> None:
    guitar, brass = NSYNTH / "guitar_acoustic_010-060-100.wav", NSYNTH / "brass_acoustic_006-060-100.wav"
    _corpus(
        tmp_path,
        [("mixg", guitar, brass, {"instrument": "guitar"}), ("mixb", brass, guitar, {"instrument": "brass"})],
        stems=True,
    )
    found = _instances(tmp_path, "music", "Text-guided Source Separation")
    assert len(found) == 2
    for rec, members in found:
        rid = rec["other"]["recording_id"]
        assert {a["member"]: a["id"] for a in rec["audio"]}["output.flac"].endswith(
            f"_stem-{'guitar' if rid == 'mixg' else 'brass'}"
        )
        mixture, target = _audio(members["input.flac"]), _audio(members["output.flac"])
        stem = _load(tmp_path / "clean" / f"{rid}_s1.wav")
        assert np.max(np.abs(target - stem[: len(target)])) < 1e-3  # no normalization here: the stem as it is
        assert _db(target, mixture - target) == pytest.approx(0.0, abs=0.1)  # mixed at 0 dB


def test_without_related_audio_the_pair_is_built(tmp_path: Path) -> None:
    _corpus(
        tmp_path,
        [
            ("a", LIBRI / "134686/1089-134686-0000.flac", VCTK / "p255/p255_367.wav", {"speaker": "1089"}),
            ("b", LIBRI / "134691/1089-134691-0001.flac", VCTK / "p238/p238_165.wav", {"speaker": "1089"}),
            ("c", SAMPLES / "ljspeech/LJSpeech-1.1/wavs/LJ001-0001.wav", VCTK / "p301/p301_102.wav", {"speaker": "LJ"}),
        ],
    )
    lines = [json.loads(x) for x in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    for line in lines:
        line["meta"].pop("target_audio")
    (tmp_path / "manifest.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    for rec, _ in _instances(tmp_path, "speech", "Speaker Extraction"):
        assert rec["other"]["built"]["builder"] == "mix" and rec["other"]["related"] is None
