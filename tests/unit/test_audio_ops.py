"""Audio operations on real audio, against independent references (scipy, sox where installed)."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from audioflan_ray.audio import ops
from audioflan_ray.errors import DecodeError
from tests.conftest import SAMPLES

LJ = SAMPLES / "ljspeech/LJSpeech-1.1/wavs/LJ001-0002.wav"
LIBRI = SAMPLES / "librispeech/LibriSpeech/test-clean/1089/134686/1089-134686-0001.flac"
CV_MP3 = next((SAMPLES / "common_voice").rglob("*.mp3"))


def test_decode_wav_flac_mp3_real_files() -> None:
    for path, rate in ((LJ, 22050), (LIBRI, 16000), (CV_MP3, None)):
        audio, r = ops.decode(path.read_bytes(), str(path))
        assert audio.dtype == np.float32 and audio.ndim == 2 and audio.shape[0] > r * 0.5
        if rate:
            assert r == rate
        ref, ref_rate = sf.read(path, dtype="float32", always_2d=True)
        assert r == ref_rate and np.array_equal(audio, ref)


def test_decode_rejects_bad_input_with_reason() -> None:
    data = LJ.read_bytes()
    with pytest.raises(DecodeError, match="empty"):
        ops.decode(b"", "x")
    with pytest.raises(DecodeError, match="truncated, "):
        ops.decode(data[: len(data) // 2], "x")
    with pytest.raises(DecodeError, match="not recognised|Format"):
        ops.decode(b"this is a transcript, not audio\n" * 50, "x")
    flac = LIBRI.read_bytes()
    with pytest.raises(DecodeError):
        ops.decode(flac[: len(flac) // 2], "x")


def test_mixdown_and_channel_pick() -> None:
    mono, _ = ops.decode(LJ.read_bytes())
    stereo = np.concatenate([mono, 0.5 * mono], axis=1)
    assert np.allclose(ops.to_mono(stereo, "mix"), 0.75 * mono[:, 0])
    assert np.array_equal(ops.to_mono(stereo, "1"), 0.5 * mono[:, 0])
    with pytest.raises(DecodeError):
        ops.to_mono(stereo, "2")


@pytest.mark.parametrize("backend", ["soxr", "torchaudio"])
def test_resample_matches_scipy_reference_on_real_speech(backend: str) -> None:
    audio, rate = ops.decode(LJ.read_bytes())
    x = audio[:, 0]
    out = ops.resample(x, rate, 16000, backend)
    ref = resample_poly(x.astype(np.float64), 320, 441).astype(np.float32)
    assert abs(len(out) - len(ref)) <= 1
    n = min(len(out), len(ref))
    err = np.sqrt(np.mean((out[:n] - ref[:n]) ** 2)) / np.sqrt(np.mean(ref[:n] ** 2))
    assert err < 0.05, f"{backend}: relative RMS error {err:.4f} against scipy.resample_poly"


@pytest.mark.parametrize(("backend", "max_db"), [("soxr", -100.0), ("torchaudio", -40.0)])
def test_resample_attenuates_a_tone_above_the_new_nyquist(backend: str, max_db: float) -> None:
    rate = 48000
    t = np.arange(rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 10000 * t)).astype(np.float32)  # 10 kHz, above the 8 kHz Nyquist of 16 kHz
    out = ops.resample(tone, rate, 16000, backend)[1600:-1600]  # leave out the edge transients
    level = 20 * np.log10(np.sqrt(np.mean(out**2)) / np.sqrt(np.mean(tone**2)) + 1e-12)
    assert level < max_db, f"{backend}: alias at {level:.1f} dB"


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed (apt-get install sox)")
def test_resample_close_to_sox(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out_wav = tmp_path / "sox.wav"
    subprocess.run(["sox", str(LJ), "-r", "16000", "-e", "float", "-b", "32", str(out_wav)], check=True)
    ref, _ = sf.read(out_wav, dtype="float32")
    audio, rate = ops.decode(LJ.read_bytes())
    out = ops.resample(audio[:, 0], rate, 16000)
    n = min(len(out), len(ref))
    err = np.sqrt(np.mean((out[:n] - ref[:n]) ** 2)) / np.sqrt(np.mean(ref[:n] ** 2))
    assert err < 0.05


def test_windows_are_equal_cover_everything_and_respect_the_maximum() -> None:
    rate = 16000
    assert ops.windows(rate * 10, rate, 30.0) == [ops.Window(0, 0, rate * 10)]
    n = int(30.122 * rate)
    ws = ops.windows(n, rate, 30.0)
    assert len(ws) == 2 and ws[0].start == 0 and ws[-1].end == n and ws[0].end == ws[1].start
    assert all(w.end - w.start <= 30 * rate for w in ws)
    assert abs((ws[0].end - ws[0].start) - (ws[1].end - ws[1].start)) <= 1


def test_flac_encode_roundtrip_and_determinism() -> None:
    audio, rate = ops.decode(LIBRI.read_bytes())
    a = ops.encode_flac(audio[:, 0], rate)
    assert a == ops.encode_flac(audio[:, 0], rate)
    back, r = sf.read(io.BytesIO(a), dtype="float32")
    assert r == rate and len(back) == len(audio)
    assert np.max(np.abs(back - audio[:, 0])) < 1 / 32767 + 1e-6
    assert ops.flac_info(a) == {"sample_rate": rate, "frames": len(audio), "channels": 1}
