"""Decode, channel handling, resampling, segmentation and FLAC encoding as plain functions."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import soundfile as sf

from audioflan_ray.errors import DecodeError


def decode(data: bytes, name: str = "") -> tuple[np.ndarray, int]:
    """Decode encoded audio bytes (WAV, FLAC, OGG/Vorbis/Opus, MP3) to float32 [frames, channels] and its rate."""
    if not data:
        raise DecodeError(f"{name}: empty file")
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            rate = int(f.samplerate)
            audio = f.read(dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile reports every failure as a generic error
        raise DecodeError(f"{name}: {exc}") from exc
    short = wav_missing_bytes(data)
    if short:
        # libsndfile quietly decodes what is left of a cut-off WAV; a shortened clip would no longer match its text.
        raise DecodeError(f"{name}: truncated WAV, {short} bytes of its data chunk are missing")
    if audio.shape[0] == 0:
        raise DecodeError(f"{name}: no audio frames")
    return audio, rate


def wav_missing_bytes(data: bytes) -> int:
    """For a RIFF/WAVE file, how many bytes its ``data`` chunk declares beyond the end of the file (else 0)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return 0
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if chunk == b"data":
            if size == 0xFFFFFFFF:  # streaming writers leave the size open
                return 0
            return max(0, pos + 8 + size - len(data))
        pos += 8 + size + (size & 1)
    return 0


def to_mono(audio: np.ndarray, channel: str | int = "mix") -> np.ndarray:
    """[frames, channels] -> [frames]: average the channels, or keep the one at index ``channel``."""
    if audio.ndim == 1:
        return audio
    if channel == "mix":
        return audio.mean(axis=1, dtype=np.float32) if audio.shape[1] > 1 else audio[:, 0]
    idx = int(channel)
    if idx >= audio.shape[1]:
        raise DecodeError(f"channel {idx} requested but the file has {audio.shape[1]}")
    return np.ascontiguousarray(audio[:, idx])


@lru_cache(maxsize=16)
def _torchaudio_kernel_args(orig: int, new: int) -> tuple[int, int]:
    g = math.gcd(orig, new)
    return orig // g, new // g


def resample(audio: np.ndarray, orig_rate: int, new_rate: int, backend: str = "soxr") -> np.ndarray:
    """Resample mono float32 audio. ``soxr`` (HQ) is the CPU default; ``torchaudio`` is kept selectable."""
    if orig_rate == new_rate:
        return audio.astype(np.float32, copy=False)
    if backend == "soxr":
        import soxr

        return np.asarray(soxr.resample(audio, orig_rate, new_rate, quality="HQ"), dtype=np.float32)
    if backend == "torchaudio":
        import torch
        import torchaudio.functional as taf

        orig, new = _torchaudio_kernel_args(orig_rate, new_rate)
        out = taf.resample(torch.from_numpy(np.ascontiguousarray(audio)), orig, new)
        return out.numpy().astype(np.float32, copy=False)
    raise ValueError(f"unknown resampler {backend!r}")


@dataclass(frozen=True)
class Window:
    index: int
    start: int  # sample offsets
    end: int


def windows(num_samples: int, rate: int, max_duration_s: float) -> list[Window]:
    """Cut a recording longer than ``max_duration_s`` into the fewest equal windows no longer than it.

    Equal windows avoid a sliver of a tail (a 30.1 s clip becomes two 15.05 s windows, not 30 s + 0.1 s).
    """
    max_len = int(round(max_duration_s * rate))
    if num_samples <= max_len:
        return [Window(0, 0, num_samples)]
    n = math.ceil(num_samples / max_len)
    bounds = [round(i * num_samples / n) for i in range(n + 1)]
    return [Window(i, bounds[i], bounds[i + 1]) for i in range(n)]


def encode_flac(audio: np.ndarray, rate: int) -> bytes:
    """Mono float32 -> 16-bit FLAC bytes (deterministic for the same samples)."""
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), rate, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def flac_info(data: bytes) -> dict[str, Any]:
    """Rate, frames and channels of FLAC bytes (for validation)."""
    info = sf.info(io.BytesIO(data))
    return {"sample_rate": int(info.samplerate), "frames": int(info.frames), "channels": int(info.channels)}


def audio_seconds(members: dict[str, bytes]) -> float:
    """Seconds over every FLAC member of a sample (a pair counts both recordings), from the headers."""
    seconds = 0.0
    for suffix, data in members.items():
        if suffix.endswith(".flac"):
            info = flac_info(data)
            seconds += float(info["frames"]) / float(info["sample_rate"])
    return round(seconds, 6)
