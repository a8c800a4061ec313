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
    """Decode encoded audio bytes (WAV, RF64, W64, AIFF, FLAC, OGG/Vorbis/Opus, MP3) to float32 [frames, channels]."""
    if not data:
        raise DecodeError(f"{name}: empty file", "empty_file")
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            rate = int(f.samplerate)
            declared = int(f.frames) if f.format == "FLAC" else 0
            audio = f.read(dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile reports every failure as a generic error
        raise DecodeError(f"{name}: {exc}") from exc
    short = missing_bytes(data)
    if short:
        # libsndfile quietly decodes what is left of a cut-off file; a shortened clip would no longer match its text.
        raise DecodeError(f"{name}: truncated, {short} bytes of its audio data are missing", "truncated")
    if declared and audio.shape[0] < declared:
        raise DecodeError(
            f"{name}: truncated FLAC, {declared - audio.shape[0]} of {declared} frames missing", "truncated"
        )
    if audio.shape[0] == 0:
        raise DecodeError(f"{name}: no audio frames", "empty_audio")
    return audio, rate


_W64_RIFF = bytes.fromhex("726966662e91cf11a5d628db04c10000")
_W64_WAVE = bytes.fromhex("77617665f3acd3118cd100c04f8edb8a")
_W64_DATA = bytes.fromhex("64617461f3acd3118cd100c04f8edb8a")


def missing_bytes(data: bytes) -> int:
    """How many bytes of audio data a RIFF / RF64 / BW64 / W64 / AIFF(-C) file declares beyond its end (else 0).

    Containers carry the size of their audio data in a header; a copy cut short keeps the header, and libsndfile then
    decodes whatever is left. Other formats (FLAC, MP3, OGG) are checked by decoding.
    """
    head = data[:4]
    if head in (b"RIFF", b"RF64", b"BW64") and data[8:12] == b"WAVE":
        return _riff_missing(data, rf64=head != b"RIFF")
    if data[:16] == _W64_RIFF and data[24:40] == _W64_WAVE:
        return _w64_missing(data)
    if head == b"FORM" and data[8:12] in (b"AIFF", b"AIFC"):
        return _aiff_missing(data)
    return 0


def _riff_missing(data: bytes, rf64: bool) -> int:
    pos, data_size64 = 12, None
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if chunk == b"ds64" and pos + 28 <= len(data):
            data_size64 = int.from_bytes(data[pos + 16 : pos + 24], "little")
        if chunk == b"data":
            if size == 0xFFFFFFFF:
                if not rf64 or data_size64 is None:
                    return 0  # a streaming writer left the size open: nothing to check against
                size = data_size64
            return max(0, pos + 8 + size - len(data))
        pos += 8 + size + (size & 1)
    return 0


def _w64_missing(data: bytes) -> int:
    pos = 40
    while pos + 24 <= len(data):
        guid, size = data[pos : pos + 16], int.from_bytes(data[pos + 16 : pos + 24], "little")
        if size < 24:
            return 0
        if guid == _W64_DATA:
            return max(0, pos + size - len(data))
        pos += size + (-size % 8)
    return 0


def _aiff_missing(data: bytes) -> int:
    pos, expected = 12, None
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
        if chunk == b"COMM" and pos + 16 <= len(data):
            channels = int.from_bytes(data[pos + 8 : pos + 10], "big")
            frames = int.from_bytes(data[pos + 10 : pos + 14], "big")
            bits = int.from_bytes(data[pos + 14 : pos + 16], "big")
            expected = channels * frames * ((bits + 7) // 8)
        if chunk == b"SSND":
            offset = int.from_bytes(data[pos + 8 : pos + 12], "big") if pos + 12 <= len(data) else 0
            declared = max(size - 8 - offset, expected or 0)
            return max(0, pos + 16 + offset + declared - len(data))
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
        raise DecodeError(f"channel {idx} requested but the file has {audio.shape[1]}", "missing_channel")
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


def encode_flac(audio: np.ndarray, rate: int, compression: float = 0.0) -> bytes:
    """Mono float32 -> 16-bit FLAC bytes (deterministic for the same samples and ``compression``, 0..1)."""
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), rate, format="FLAC", subtype="PCM_16", compression_level=compression)
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
