"""The id rules: sample keys (``uuid``) and AUDIO_IDs, in one place.

- An AUDIO_ID has Audio-FLAN's form ``<NN>_<Dataset>_<id>``: ``<NN>`` the recipe's stable number, ``<Dataset>`` its
  name. With ``build.opaque_ids`` (the default) ``<id>`` is a hash of (dataset, recording id, window, rate), so no
  label can be read from it (corpus file names often spell the answer: ``1001_DFA_ANG_XX``, ``7_theo_0``); the
  corpus's own id stays in ``other.recording_id``. Without it, ``<id>`` is the corpus id made key-safe, with
  ``_wNNN`` for a window of a longer recording and ``_srRATE`` for audio at a task-specific rate.
- A key is ``<NN>_<Dataset>_<id>`` as well, hashed over (dataset, recording id, window, task) when opaque, else the
  recording's AUDIO_ID followed by the task's code. Built audio (a noisy mixture, a cut prompt) is ``<key>_<slot>``.
- Keys match ``[A-Za-z0-9_-]+`` (WebDataset readers split member names at the first dot) and are unique in a build.
"""

from __future__ import annotations

import hashlib
import re

KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
AUDIO_HASH_CHARS = 16  # 64 bits: ~1e-5 chance of any collision among 30M AUDIO_IDs
KEY_HASH_CHARS = 20  # 80 bits: keys are more numerous (one per instance)


def prefix(number: int, dataset: str) -> str:
    """``<NN>_<Dataset>``: the release layout's folder name and the head of every id of a dataset."""
    return f"{int(number):02d}_{dataset}"


def safe_id(raw: str) -> str:
    """A key-safe form of a corpus id; a short hash keeps two ids that differ only in unsafe characters apart."""
    cleaned = _UNSAFE.sub("-", raw)
    if cleaned == raw:
        return raw
    return f"{cleaned}-{hashlib.sha1(raw.encode()).hexdigest()[:6]}"


def _digest(chars: int, *parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:chars]


def audio_id(
    number: int, dataset: str, recording_id: str, window: int | None, rate: int | None, *, opaque: bool
) -> str:
    """The AUDIO_ID of a recording (or of window ``window`` of it) at ``rate`` (None: its domain's rate)."""
    if opaque:
        return f"{prefix(number, dataset)}_{_digest(AUDIO_HASH_CHARS, dataset, recording_id, window, rate)}"
    out = f"{prefix(number, dataset)}_{safe_id(recording_id)}"
    if window is not None:
        out += f"_w{window:03d}"
    if rate is not None:
        out += f"_sr{rate}"
    return out


def key(number: int, dataset: str, recording_id: str, window: int | None, code: str, *, opaque: bool) -> str:
    """The key (and ``uuid``) of the instance of task ``code`` made from a recording (window)."""
    if opaque:
        return f"{prefix(number, dataset)}_{_digest(KEY_HASH_CHARS, dataset, recording_id, window, code)}"
    return f"{audio_id(number, dataset, recording_id, window, None, opaque=False)}_{code}"


def built_audio_id(instance_key: str, slot: str) -> str:
    """The AUDIO_ID of audio built for one instance (its slot name: ``noisy``, ``prompt``...)."""
    return f"{instance_key}_{slot}"
