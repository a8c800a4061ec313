"""audioflan-ray: build Audio-FLAN-style instruction datasets from raw audio corpora on Ray."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

__version__ = "0.2.0"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of this package's code and task data (not the bundled samples): part of every unit's fingerprint, so
    an incremental build never reuses output that other code made."""
    base = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode())
    for path in sorted(base.rglob("*")):
        if path.suffix in (".py", ".yaml", ".csv") and "demo" not in path.relative_to(base).parts[:1]:
            h.update(str(path.relative_to(base)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]
