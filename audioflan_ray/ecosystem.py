"""What makes a build load where people train: the dataset card, its stats plot and the Megatron-Energon metadata.

Called by the build's commit step after the shard index and before ``manifest.json``, so a committed build always has
all of them, and an interrupted one is rewritten whole by the run that commits it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from audioflan_ray import card, energon
from audioflan_ray.config import Config
from audioflan_ray.report import plot
from audioflan_ray.schema import CARD, MARKER
from audioflan_ray.storage import Root
from audioflan_ray.tasks.catalog import catalog


def _build_id(out: Root) -> str:
    # The driver writes the build id into the marker before any unit runs.
    return str(json.loads(out.read_bytes(MARKER)).get("build_id") or "") if out.exists(MARKER) else ""


def write_plot(out: Root, stats: Mapping[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / card.STATS_PLOT
        plot(dict(stats), {t: info.domain for t, info in catalog().items()}, str(local))
        out.write_bytes_atomic(card.STATS_PLOT, local.read_bytes())


def write_extras(out: Root, cfg: Config, shards: list[dict[str, Any]], stats: dict[str, Any]) -> dict[str, Any]:
    """Write the stats plot, the Energon metadata (``output.energon``) and the dataset card; returns what the
    manifest records of them."""
    write_plot(out, stats)
    written = energon.write(out, shards) if cfg.output.energon else []
    energon.remove_stale(out, written)
    features = card.config_features(out, shards)
    text = card.render(cfg, shards, stats, _build_id(out), card.build_command(sys.argv), features)
    out.write_bytes_atomic(CARD, text.encode())
    return {
        "card": CARD,
        "stats_plot": card.STATS_PLOT,
        "energon_folders": len(energon.folders(shards)) if cfg.output.energon else 0,
    }
