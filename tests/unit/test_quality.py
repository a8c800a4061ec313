"""Quality measures on real speech: SNR against known mixtures, loudness against pyloudnorm and the ITU tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from audioflan_ray.audio import quality
from tests.conftest import SAMPLES

LJ_LONG = SAMPLES / "ljspeech/LJSpeech-1.1/wavs/LJ001-0001.wav"  # 9.7 s, 22.05 kHz
LJ_SHORT = SAMPLES / "ljspeech/LJSpeech-1.1/wavs/LJ001-0002.wav"  # 1.9 s
LIBRI = SAMPLES / "librispeech/LibriSpeech/test-clean/1089/134686/1089-134686-0001.flac"  # 16 kHz
VCTK = next((SAMPLES / "vctk").rglob("*.wav"))  # 48 kHz
SPEECH = [LJ_LONG, LJ_SHORT, LIBRI, VCTK]


def _read(path: Path) -> tuple[np.ndarray, int]:
    x, rate = sf.read(path, dtype="float64")
    return (x if x.ndim == 1 else x.mean(axis=1)), int(rate)


def _mix(clean: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(len(clean))
    noise *= math.sqrt(np.mean(clean**2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    return clean + noise


def test_metrics_of_known_signals() -> None:
    rate = 16000
    t = np.arange(rate) / rate
    sine = 0.5 * np.sin(2 * np.pi * 440 * t)
    m = quality.metrics(sine.astype(np.float32), rate)
    assert m["duration_s"] == 1.0
    assert m["rms_dbfs"] == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.01)
    assert m["peak_dbfs"] == pytest.approx(20 * math.log10(0.5), abs=0.01)
    assert m["clipping_ratio"] == 0.0 and m["silence_ratio"] == 0.0
    # Half a second of silence then the tone, the tone driven into clipping.
    x = np.concatenate([np.zeros(rate // 2), np.clip(4 * sine[: rate // 2], -1, 1)])
    m = quality.metrics(x, rate)
    assert m["silence_ratio"] == pytest.approx(0.5, abs=0.03)
    expected = np.count_nonzero(np.abs(x) >= 0.999) / len(x)
    assert m["clipping_ratio"] == pytest.approx(expected) and 0.2 < m["clipping_ratio"] < 0.5


@pytest.mark.parametrize("n", [0, 1, 100, 16000])
def test_silence_and_empty_give_finite_numbers(n: int) -> None:
    m = quality.metrics(np.zeros(n, dtype=np.float32), 16000)
    assert set(m) == {"duration_s", "rms_dbfs", "peak_dbfs", "clipping_ratio", "silence_ratio", "snr_db"}
    assert all(math.isfinite(v) for v in m.values()), m
    assert m["rms_dbfs"] == m["peak_dbfs"] == quality.LEVEL_FLOOR_DB and m["silence_ratio"] == 1.0
    assert quality.loudness_lufs(np.zeros(n), 16000) == quality.ABSOLUTE_GATE_LUFS
    assert np.array_equal(quality.normalize_loudness(np.zeros(n), 16000), np.zeros(n, dtype=np.float32))


@pytest.mark.parametrize("path", [LJ_LONG, LJ_SHORT, LIBRI], ids=["lj-9.7s", "lj-1.9s", "libri-3.3s"])
def test_snr_estimate_tracks_known_snr_on_real_speech(path: Path) -> None:
    clean, rate = _read(path)
    for seed in (1, 2):
        est = [quality.metrics(_mix(clean, snr, seed), rate)["snr_db"] for snr in (0.0, 10.0, 20.0)]
        print(f"{path.name} seed {seed}: SNR 0/10/20 dB -> " + " / ".join(f"{e:.2f}" for e in est))
        assert est[0] < est[1] < est[2]
        for snr, e in zip((0.0, 10.0, 20.0), est, strict=True):
            assert abs(e - snr) < 1.5, f"{path.name}: {snr} dB estimated as {e:.2f} dB"
    # The clean recordings themselves are far above 20 dB.
    assert quality.metrics(clean, rate)["snr_db"] > 25.0


def test_k_weighting_reproduces_the_itu_coefficients_at_48k() -> None:
    # ITU-R BS.1770-4, Table 1 (pre-filter, shelf) and Table 2 (RLB high-pass), for 48 kHz.
    (b1, a1), (b2, a2) = quality.k_weighting(48000)
    np.testing.assert_allclose(b1, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-9)
    np.testing.assert_allclose(a1, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-9)
    np.testing.assert_allclose(b2, [1.0, -2.0, 1.0], atol=0)
    np.testing.assert_allclose(a2, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-9)


def _whole_blocks(x: np.ndarray, rate: int) -> np.ndarray:
    """Trim so (len - 400 ms) is a whole number of 100 ms steps: pyloudnorm rounds the block count up and measures
    a partial last block, BS.1770 counts whole blocks only; with this length both agree on the blocks."""
    block, step = round(0.4 * rate), round(0.1 * rate)
    return x[: block + (len(x) - block) // step * step]


@pytest.mark.parametrize("path", SPEECH, ids=lambda p: p.name)
def test_loudness_matches_pyloudnorm_on_real_speech(path: Path) -> None:
    pyln = pytest.importorskip("pyloudnorm", reason="pyloudnorm (independent BS.1770 reference) not installed")
    x, rate = _read(path)
    x = _whole_blocks(x, rate)
    ours = quality.loudness_lufs(x.astype(np.float32), rate)
    # pyloudnorm with the exact BS.1770 filters (Brecht De Man's derivation): the same measurement, other code.
    exact = pyln.Meter(rate, filter_class="DeMan").integrated_loudness(x)
    assert abs(ours - exact) < 1e-3, f"{path.name}: {ours:.4f} vs {exact:.4f} LUFS"
    # pyloudnorm's default K-weighting approximates the shelf with RBJ cookbook biquads; compare at 48 kHz, where
    # BS.1770's coefficients are specified (at 16 kHz the approximation alone differs from the standard by ~0.13 LU).
    x48 = _whole_blocks(soxr.resample(x, rate, 48000), 48000)
    ours48 = quality.loudness_lufs(x48, 48000)
    default48 = pyln.Meter(48000).integrated_loudness(x48)
    print(
        f"{path.name}: {ours:.4f} LUFS; pyloudnorm DeMan {exact:.4f}; at 48 kHz {ours48:.4f} vs default {default48:.4f}"
    )
    assert abs(ours48 - default48) < 0.1


def test_normalize_loudness_hits_target_and_respects_the_peak_limit() -> None:
    x, rate = _read(LJ_LONG)
    y = quality.normalize_loudness(x, rate, target_lufs=-23.0)
    assert y.dtype == np.float32 and y.shape == x.shape
    assert quality.loudness_lufs(y, rate) == pytest.approx(-23.0, abs=0.01)
    assert np.max(np.abs(y)) <= 10 ** (-1 / 20) + 1e-6
    loud = quality.normalize_loudness(x, rate, target_lufs=-5.0, peak_limit_dbfs=-1.0)
    peak_db = 20 * math.log10(float(np.max(np.abs(loud))))
    assert peak_db == pytest.approx(-1.0, abs=0.01)
    assert quality.loudness_lufs(loud, rate) < -5.0  # a plain gain: the limit wins over the target


def test_quality_filter_reasons() -> None:
    x, rate = _read(LIBRI)
    good = quality.metrics(x, rate)
    f = quality.QualityFilter(min_rms_dbfs=-45.0, max_clipping_ratio=0.001, max_silence_ratio=0.5, min_snr_db=15.0)
    assert f.check(good) is None
    assert f.check(quality.metrics(x * 1e-3, rate)) == "too_quiet"
    assert f.check(quality.metrics(np.concatenate([x, np.zeros(3 * len(x))]), rate)) == "mostly_silent"
    assert f.check(quality.metrics(np.clip(x * 30, -1, 1), rate)) == "clipping"
    assert f.check(quality.metrics(_mix(x, 5.0, 0), rate)) == "low_snr"
    assert quality.QualityFilter().check(quality.metrics(np.zeros(0), rate)) is None
