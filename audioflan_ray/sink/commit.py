"""The commit: counts into ``stats.json``, the indexes, and ``manifest.json`` LAST (it alone marks a complete build).

Shards and release files are already in place (the packer wrote them); stale files of an earlier build of ours are
removed only after everything new is written, and only those its indexes listed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from audioflan_ray.schema import FORMAT, MANIFEST, SHARD_INDEX, STATS, UNIT_INDEX
from audioflan_ray.storage import Root
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.tasks.engine import templates

__all__ = ["MANIFEST", "STATS", "make_stats", "write_manifest", "summary_of"]
TOP_LABELS = 50  # labels listed per task in stats.json (the count of the others is kept)


def _bucket() -> dict[str, Any]:
    return {"instances": 0, "audio_seconds": 0.0}


def make_stats(
    folders: Mapping[str, Mapping[str, Any]],
    shards: int,
    errors: Mapping[str, list[float]],
    not_fed: Mapping[str, Mapping[str, int]],
    recordings: Mapping[str, int],
) -> dict[str, Any]:
    """Counts and audio seconds by domain, task, split and source; per task its instruction variants and its label
    distribution; errors by reason (rows and seconds); what could not be fed, by task and reason.

    ``folders``: shard folder (``domain/code/split``) -> the summed piece summaries of its shards.
    """
    codes = {t.code: t.minor for t in templates().values()}
    tasks = catalog()
    views: dict[str, dict[str, dict[str, Any]]] = {
        v: defaultdict(_bucket) for v in ("by_domain", "by_task", "by_split", "by_source")
    }
    by_task_split: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    variants: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    labels: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total, seconds = 0, 0.0
    for folder, summary in folders.items():
        domain, code, split = folder.split("/")
        task = codes.get(code, code)
        domain = tasks[task].domain if task in tasks else domain
        for dataset, (n, secs) in (summary.get("counts") or {}).items():
            for view, k in (("by_domain", domain), ("by_task", task), ("by_split", split), ("by_source", dataset)):
                views[view][k]["instances"] += int(n)
                views[view][k]["audio_seconds"] += float(secs)
            by_task_split[task][split] += int(n)
            total += int(n)
            seconds += float(secs)
        for idx, n in (summary.get("variants") or {}).items():
            variants[task][idx] += int(n)
        for label, n in (summary.get("labels") or {}).items():
            labels[task][label] += int(n)
    out: dict[str, Any] = {
        "instances": total,
        "audio_seconds": round(seconds, 3),
        "audio_hours": round(seconds / 3600, 4),
        "shards": shards,
        "recordings_planned": dict(sorted(recordings.items())),
    }
    for view, data in views.items():
        out[view] = {
            k: {
                "instances": v["instances"],
                "audio_seconds": round(v["audio_seconds"], 3),
                "audio_hours": round(v["audio_seconds"] / 3600, 4),
            }
            for k, v in sorted(data.items())
        }
    out["by_task_split"] = {t: dict(sorted(s.items())) for t, s in sorted(by_task_split.items())}
    for task, entry in out["by_task"].items():
        per = variants.get(task, {})
        n_task = sum(per.values()) or 1
        entry["distinct_instructions"] = len(per)
        entry["variant_share"] = {k: round(v / n_task, 4) for k, v in sorted(per.items(), key=lambda kv: int(kv[0]))}
        dist = sorted(labels.get(task, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        entry["distinct_labels"] = len(dist)
        entry["labels"] = dict(dist[:TOP_LABELS])
        entry["labels_other"] = sum(n for _, n in dist[TOP_LABELS:])
    out["errors"] = {
        "total": int(sum(v[0] for v in errors.values())),
        "by_reason": {
            k: {"rows": int(v[0]), "audio_seconds": round(float(v[1]), 3)} for k, v in sorted(errors.items())
        },
    }
    out["not_fed"] = {t: dict(sorted(r.items())) for t, r in sorted(not_fed.items())}
    return out


def write_manifest(
    root: Root,
    *,
    build_id: str,
    config: dict[str, Any],
    stats: Mapping[str, Any],
    num_shards: int,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """``manifest.json``, written last; small whatever the build's size (the shard list is in ``shards.parquet``)."""
    manifest = {
        "format": FORMAT,
        "build_id": build_id,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": config,
        "shard_index": SHARD_INDEX,
        "unit_index": UNIT_INDEX,
        "num_shards": num_shards,
        "totals": {
            "instances": stats["instances"],
            "audio_seconds": stats["audio_seconds"],
            "by_task": {k: v["instances"] for k, v in stats["by_task"].items()},
            "by_domain": {k: v["instances"] for k, v in stats["by_domain"].items()},
            "by_split": {k: v["instances"] for k, v in stats["by_split"].items()},
        },
        "errors": stats["errors"]["total"],
        **extra,
    }
    root.write_bytes_atomic(STATS, json.dumps(stats, indent=2, ensure_ascii=False).encode())
    root.write_bytes_atomic(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    return manifest


def summary_of(manifest: Mapping[str, Any], uri: str) -> dict[str, Any]:
    """The contract's one-line JSON summary of a committed build."""
    totals = manifest["totals"]
    return {
        "output": uri,
        "instances": totals["instances"],
        "shards": manifest["num_shards"],
        "audio_hours": round(totals["audio_seconds"] / 3600, 4),
        "errors": manifest.get("errors", 0),
    }
