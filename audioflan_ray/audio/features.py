"""Acoustic features of mono float audio with torchaudio, on CPU or a GPU: log-mel spectrogram and Kaldi fbank.

Outputs are numpy float32 arrays ``[frames, bins]``. ``device`` is a torch device string (``"cpu"``, ``"cuda"``,
``"cuda:1"``); the numbers agree between devices to float32 rounding (tests/gpu).
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import torch
import torchaudio.compliance.kaldi as kaldi
import torchaudio.transforms as T

LOG_FLOOR = 1e-10


def mel_params(rate: int, win_s: float = 0.025, hop_s: float = 0.010) -> tuple[int, int, int]:
    """``(win_length, hop_length, n_fft)`` in samples: the window rounded to samples, the FFT size the next power of
    two at or above it (as Kaldi does; an even size also keeps torchaudio's bin frequencies exact)."""
    win = int(round(win_s * rate))
    hop = int(round(hop_s * rate))
    if win <= 0 or hop <= 0:
        raise ValueError(f"window and hop must be at least one sample, got {win_s} s, {hop_s} s at {rate} Hz")
    return win, hop, 1 << (win - 1).bit_length()


def num_frames(num_samples: int, n_fft: int, hop: int) -> int:
    """Frames of a centred STFT (``n_fft // 2`` reflect padding each side), as torch.stft(center=True) gives."""
    return 1 + (num_samples + 2 * (n_fft // 2) - n_fft) // hop


@lru_cache(maxsize=16)
def _mel_transform(rate: int, n_mels: int, win: int, hop: int, n_fft: int, device: str) -> T.MelSpectrogram:
    return T.MelSpectrogram(
        sample_rate=rate,
        n_fft=n_fft,
        win_length=win,
        hop_length=hop,
        n_mels=n_mels,
        power=2.0,
        center=False,  # the centring (reflect padding) is done per item in _centre, so batches equal singles
        norm=None,
        mel_scale="htk",
    ).to(torch.device(device))


def _centre(x: np.ndarray, n_fft: int) -> np.ndarray:
    pad = n_fft // 2
    if x.ndim != 1:
        raise ValueError(f"features want mono samples, got shape {x.shape}")
    if len(x) <= pad:
        raise ValueError(f"need more than {pad} samples for a {n_fft}-point centred STFT, got {len(x)}")
    return np.pad(np.asarray(x, dtype=np.float32), pad, mode="reflect")


def log_mel_batch(
    arrays: list[np.ndarray],
    rate: int,
    device: str = "cpu",
    n_mels: int = 80,
    win_s: float = 0.025,
    hop_s: float = 0.010,
) -> list[np.ndarray]:
    """``log_mel`` of equal-rate mono arrays in one batch on ``device``.

    Each item is reflect-padded by itself (the ``center=True`` convention), then all are zero-padded to the longest
    and transformed together; each result keeps only its own frames, none of which reaches into the zero padding,
    so an item's features are the same as ``log_mel`` of it alone.
    """
    if not arrays:
        return []
    win, hop, n_fft = mel_params(rate, win_s, hop_s)
    padded = [_centre(a, n_fft) for a in arrays]
    longest = max(len(p) for p in padded)
    batch = np.zeros((len(padded), longest), dtype=np.float32)
    for i, p in enumerate(padded):
        batch[i, : len(p)] = p
    transform = _mel_transform(rate, n_mels, win, hop, n_fft, str(torch.device(device)))
    with torch.inference_mode():
        mel = transform(torch.from_numpy(batch).to(torch.device(device)))  # [B, n_mels, frames]
        logmel = torch.log(torch.clamp(mel, min=LOG_FLOOR)).transpose(1, 2).cpu().numpy()
    return [
        np.ascontiguousarray(logmel[i, : num_frames(len(a), n_fft, hop)], dtype=np.float32)
        for i, a in enumerate(arrays)
    ]


def log_mel(
    samples: np.ndarray,
    rate: int,
    n_mels: int = 80,
    win_s: float = 0.025,
    hop_s: float = 0.010,
    device: str = "cpu",
) -> np.ndarray:
    """Log-mel spectrogram ``[frames, n_mels]`` float32, a plain one (not Whisper's log10/clamp/rescale):

    periodic Hann window of ``win_s`` inside an FFT of the next power of two, hop ``hop_s``, centred frames
    (reflect padding of ``n_fft // 2``, ``1 + (len + 2*(n_fft//2) - n_fft) // hop`` frames), power spectrum, HTK mel
    filterbank over 0..rate/2 without area normalisation (torchaudio's defaults), natural log floored at 1e-10.
    """
    return log_mel_batch([samples], rate, device, n_mels, win_s, hop_s)[0]


def kaldi_fbank(samples: np.ndarray, rate: int, num_mel_bins: int = 80, device: str = "cpu") -> np.ndarray:
    """Kaldi ``compute-fbank-feats`` defaults via ``torchaudio.compliance.kaldi.fbank``: ``[frames, num_mel_bins]``.

    The input is scaled to 16-bit range (x 32768) as Kaldi reads WAV files; 25 ms povey windows every 10 ms with
    ``snip_edges`` (``1 + (len - win) // hop`` frames), DC removal, pre-emphasis 0.97, power spectrum over a
    power-of-two FFT, mel bins from 20 Hz to Nyquist on Kaldi's ``1127 ln(1 + f/700)`` scale, log; dither 0 so the
    output is deterministic.
    """
    x = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32) * 32768.0).to(torch.device(device))
    win = int(rate * 0.025)  # kaldi's frame length in samples (truncated)
    if x.numel() < win:
        raise ValueError(f"need at least {win} samples for one 25 ms frame, got {x.numel()}")
    with torch.inference_mode():
        feats = kaldi.fbank(x.unsqueeze(0), num_mel_bins=num_mel_bins, sample_frequency=float(rate), dither=0.0)
    return np.ascontiguousarray(feats.cpu().numpy(), dtype=np.float32)


def to_npy_bytes(arr: np.ndarray) -> bytes:
    """The ``.npy`` serialisation of ``arr`` (``np.load(io.BytesIO(b))`` gives it back)."""
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()
