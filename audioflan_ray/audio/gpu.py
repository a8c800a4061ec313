"""Batched audio operations on a torch device (a GPU actor's work), and a device check."""

from __future__ import annotations

import math

import numpy as np
import torch
import torchaudio.functional as taf


def device_available(device: str) -> bool:
    """Whether ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``) can be used here; False for bad names."""
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        return False
    if dev.type == "cpu":
        return True
    if dev.type == "cuda":
        return torch.cuda.is_available() and (dev.index or 0) < torch.cuda.device_count()
    if dev.type == "mps":
        return bool(torch.backends.mps.is_available())
    return False


def resample_batch(arrays: list[np.ndarray], orig_rate: int, new_rate: int, device: str = "cpu") -> list[np.ndarray]:
    """Resample equal-rate mono arrays together with ``torchaudio.functional.resample`` on ``device``.

    The arrays are zero-padded to the longest into one ``[batch, time]`` tensor; each output is trimmed to
    ``ceil(len * new_rate / orig_rate)`` samples, the length torchaudio gives for that item alone. Its own samples
    see the same zeros past its end as they would alone, so each result equals ``ops.resample(..., "torchaudio")``
    of the item (to float rounding). Same torchaudio defaults (windowed sinc, Hann, width 6, rolloff 0.99); the
    rates are reduced by their gcd first, which keeps the kernel small. Returns float32 arrays on the host.
    """
    if orig_rate <= 0 or new_rate <= 0:
        raise ValueError(f"rates must be > 0, got {orig_rate}, {new_rate}")
    if not arrays:
        return []
    if orig_rate == new_rate:
        return [np.array(a, dtype=np.float32) for a in arrays]
    g = math.gcd(orig_rate, new_rate)
    orig, new = orig_rate // g, new_rate // g
    longest = max(len(a) for a in arrays)
    batch = np.zeros((len(arrays), longest), dtype=np.float32)
    for i, a in enumerate(arrays):
        batch[i, : len(a)] = a
    with torch.inference_mode():
        out = taf.resample(torch.from_numpy(batch).to(torch.device(device)), orig, new).cpu().numpy()
    return [np.ascontiguousarray(out[i, : math.ceil(len(a) * new / orig)]) for i, a in enumerate(arrays)]
