"""What a build writes beside its shards for the people and tools that read it: the stats plot (and, as the readers
need them, more), called by the commit just before ``manifest.json``."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from audioflan_ray.config import Config
from audioflan_ray.storage import Root

PLOT = "stats.png"


def write_extras(out: Root, cfg: Config, shards: list[dict[str, Any]], stats: dict[str, Any]) -> dict[str, Any]:
    """Write the extras of a build; returns what the manifest records of them."""
    from audioflan_ray.report import plot
    from audioflan_ray.tasks.catalog import catalog

    with tempfile.TemporaryDirectory() as tmp:
        local = os.path.join(tmp, PLOT)
        plot(stats, {t: i.domain for t, i in catalog().items()}, local)
        with open(local, "rb") as f:
            out.write_bytes_atomic(PLOT, f.read())
    return {"plot": PLOT}
