"""Feature extraction against independent numpy references written here (FFT, mel filterbanks, Kaldi's fbank)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
import torch
import torchaudio.functional as taf

from audioflan_ray.audio import features, gpu, ops
from tests.conftest import SAMPLES

LJ = SAMPLES / "ljspeech/LJSpeech-1.1/wavs/LJ001-0002.wav"
LIBRI = SAMPLES / "librispeech/LibriSpeech/test-clean/1089/134686/1089-134686-0001.flac"
LIBRI_2 = SAMPLES / "librispeech/LibriSpeech/test-clean/1089/134686/1089-134686-0000.flac"


def _read(path: Path) -> tuple[np.ndarray, int]:
    x, rate = sf.read(path, dtype="float32")
    return x, int(rate)


# ---------------------------------------------------------------------------------------------------------------
# Reference 1: plain log-mel, from the definitions (periodic Hann, centred reflect-padded frames, HTK mel triangles).


def _hz_to_mel_htk(f: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + f / 700.0)


def _mel_to_hz_htk(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def _ref_log_mel(x: np.ndarray, rate: int, n_mels: int, win: int, hop: int, n_fft: int) -> np.ndarray:
    x = np.pad(x.astype(np.float64), n_fft // 2, mode="reflect")
    count = 1 + (len(x) - n_fft) // hop
    window = np.zeros(n_fft)
    left = (n_fft - win) // 2  # a shorter window sits in the middle of the FFT frame
    window[left : left + win] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / win)  # periodic Hann
    frames = np.stack([x[k * hop : k * hop + n_fft] for k in range(count)]) * window
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # [frames, n_fft/2 + 1]
    freqs = np.arange(n_fft // 2 + 1) * rate / n_fft
    edges = _mel_to_hz_htk(np.linspace(0.0, _hz_to_mel_htk(np.array(rate / 2)), n_mels + 2))
    bank = np.zeros((len(freqs), n_mels))
    for m in range(n_mels):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        rising = (freqs - lo) / (mid - lo)
        falling = (hi - freqs) / (hi - mid)
        bank[:, m] = np.maximum(0.0, np.minimum(rising, falling))
    return np.log(np.maximum(power @ bank, 1e-10))


@pytest.mark.parametrize("path", [LJ, LIBRI], ids=["ljspeech-22k", "librispeech-16k"])
def test_log_mel_matches_numpy_reference_on_real_speech(path: Path) -> None:
    x, rate = _read(path)
    win, hop, n_fft = features.mel_params(rate)
    out = features.log_mel(x, rate)
    ref = _ref_log_mel(x, rate, 80, win, hop, n_fft)
    assert out.dtype == np.float32 and out.shape == ref.shape == (1 + len(x) // hop, 80)
    # float32 FFT rounding is relative to a frame's loudest bins, so cells ~100 dB below the maximum differ more.
    loud = ref > ref.max() - 6.0 * math.log(10)  # within 60 dB of the loudest cell
    diff = np.abs(out - ref)
    print(f"log-mel {path.name}: max |diff| {diff[loud].max():.2e} within 60 dB of max, {diff.max():.2e} overall")
    assert diff[loud].max() < 1e-4
    assert diff.max() < 5e-3


# ---------------------------------------------------------------------------------------------------------------
# Reference 2: Kaldi compute-fbank-feats defaults, from Kaldi's feature-window.cc / mel-computations.cc definitions.


def _kaldi_mel(f: np.ndarray) -> np.ndarray:
    return 1127.0 * np.log(1.0 + f / 700.0)


def _ref_kaldi_fbank(x: np.ndarray, rate: int, num_bins: int) -> np.ndarray:
    x = x.astype(np.float64) * 32768.0
    win, shift = int(rate * 0.025), int(rate * 0.010)
    padded = 1 << (win - 1).bit_length()
    count = 1 + (len(x) - win) // shift  # snip_edges=true
    frames = np.stack([x[k * shift : k * shift + win] for k in range(count)])
    frames = frames - frames.mean(axis=1, keepdims=True)  # remove_dc_offset
    frames[:, 1:] = frames[:, 1:] - 0.97 * frames[:, :-1]  # pre-emphasis (uses the un-emphasised previous sample)
    frames[:, 0] = frames[:, 0] * (1.0 - 0.97)  # Kaldi: x[0] -= coeff * x[0]
    n = np.arange(win)
    povey = (0.5 - 0.5 * np.cos(2 * np.pi * n / (win - 1))) ** 0.85
    power = np.abs(np.fft.rfft(frames * povey, n=padded, axis=1)) ** 2
    # Mel bins: triangles in the mel domain between 20 Hz and Nyquist, over FFT bins 0 .. padded/2 - 1.
    fft_freqs = np.arange(padded // 2) * rate / padded
    mel = _kaldi_mel(fft_freqs)
    mel_lo, mel_hi = _kaldi_mel(np.array(20.0)), _kaldi_mel(np.array(rate / 2))
    delta = (mel_hi - mel_lo) / (num_bins + 1)
    bank = np.zeros((padded // 2 + 1, num_bins))
    for b in range(num_bins):
        left, centre, right = mel_lo + b * delta, mel_lo + (b + 1) * delta, mel_lo + (b + 2) * delta
        inside = (mel > left) & (mel < right)
        up = (mel - left) / (centre - left)
        down = (right - mel) / (right - centre)
        bank[:-1, b] = np.where(inside, np.where(mel <= centre, up, down), 0.0)
    return np.log(np.maximum(power @ bank, np.finfo(np.float32).eps))


@pytest.mark.parametrize("path", [LJ, LIBRI], ids=["ljspeech-22k", "librispeech-16k"])
def test_kaldi_fbank_matches_numpy_kaldi_reference_on_real_speech(path: Path) -> None:
    x, rate = _read(path)
    out = features.kaldi_fbank(x, rate)
    ref = _ref_kaldi_fbank(x, rate, 80)
    assert out.dtype == np.float32 and out.shape == ref.shape
    diff = np.abs(out - ref)
    rel = diff / np.maximum(np.abs(ref), 1.0)
    print(f"fbank {path.name}: max |diff| {diff.max():.2e}, max relative {rel.max():.2e}, mean {diff.mean():.2e}")
    assert rel.max() < 1e-3


def test_log_mel_batch_equals_single_items() -> None:
    lj, lj_rate = _read(LJ)
    a, rate = _read(LIBRI)
    b, _ = _read(LIBRI_2)
    items = [a, b[: len(b) // 3], a[:4000]]
    batch = features.log_mel_batch(items, rate, "cpu")
    for item, got in zip(items, batch, strict=True):
        single = features.log_mel(item, rate)
        assert got.shape == single.shape == (1 + len(item) // 160, 80)
        np.testing.assert_allclose(got, single, rtol=0, atol=1e-5)  # bitwise equal on the dev CPU
    assert features.log_mel_batch([], rate) == []
    with pytest.raises(ValueError, match="samples"):
        features.log_mel(lj[:100], lj_rate)


def test_to_npy_bytes_roundtrip() -> None:
    x, rate = _read(LIBRI)
    feats = features.kaldi_fbank(x, rate)
    data = features.to_npy_bytes(feats)
    back = np.load(io.BytesIO(data), allow_pickle=False)
    assert back.dtype == np.float32 and np.array_equal(back, feats)
    assert data == features.to_npy_bytes(feats)


def test_resample_batch_on_cpu_equals_per_item_torchaudio() -> None:
    lj, rate = _read(LJ)
    items = [lj, lj[: len(lj) // 2], lj[:1001]]
    out = gpu.resample_batch(items, rate, 16000, "cpu")
    for item, got in zip(items, out, strict=True):
        assert len(got) == math.ceil(len(item) * 16000 / rate) and got.dtype == np.float32
        single = ops.resample(item, rate, 16000, backend="torchaudio")
        direct = taf.resample(torch.from_numpy(item), rate, 16000).numpy()
        assert len(single) == len(got) == len(direct)
        np.testing.assert_allclose(got, single, rtol=0, atol=1e-6)
        np.testing.assert_allclose(got, direct, rtol=0, atol=1e-5)
        # Against soxr HQ (another filter design), below 7 kHz where both filters pass everything.
        ref = np.asarray(soxr.resample(item, rate, 16000, quality="HQ"), dtype=np.float64)[: len(got)]
        spec_a, spec_b = np.fft.rfft(got[: len(ref)]), np.fft.rfft(ref)
        band = np.fft.rfftfreq(len(ref), 1 / 16000) <= 7000
        err = np.linalg.norm(spec_a[band] - spec_b[band]) / np.linalg.norm(spec_b[band])
        assert err < 0.03, f"relative error {err:.4f} below 7 kHz against soxr"
    assert gpu.resample_batch([], rate, 16000) == []
    same = gpu.resample_batch([lj], rate, rate)
    assert np.array_equal(same[0], lj)


def test_device_available() -> None:
    assert gpu.device_available("cpu")
    assert gpu.device_available("cuda") == torch.cuda.is_available()
    assert not gpu.device_available("cuda:99")
    assert not gpu.device_available("not-a-device")
