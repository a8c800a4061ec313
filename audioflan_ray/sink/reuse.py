"""Taking over unchanged units from an earlier build (``build.reuse_from``), for incremental nightly builds.

A unit whose fingerprint (its recordings' paths, sizes, versions, labels, partners; the code; the output-shaping
config) equals a unit of the earlier build made exactly the samples that unit made. ``adopt`` writes it a marker
whose pieces point at the byte ranges the earlier build's ``units.parquet`` records in its shards, restores its
counts and quarantined rows, and rewrites its share of the release layout from those samples (no audio is decoded).
The packer then copies the ranges (server-side on S3) as it copies this build's own pieces.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from audioflan_ray.release import ReleaseWriter
from audioflan_ray.schema import UNIT_INDEX
from audioflan_ray.sink.pieces import marker_path, unit_dir
from audioflan_ray.sink.tars import read_samples
from audioflan_ray.storage import Root, StorageOptions


def reusable(prev_uri: str, options: StorageOptions, fingerprints: list[str]) -> set[str]:
    """The fingerprints among ``fingerprints`` that the earlier build's unit index holds."""
    prev = Root(prev_uri, options)
    if not prev.exists(UNIT_INDEX):
        return set()
    with prev.open(UNIT_INDEX, "rb") as f:
        table = pq.read_table(f, columns=["fingerprint", "folder"])
    table = table.filter(pc.equal(table["folder"], ""))
    have = set(table.column("fingerprint").to_pylist())
    return {fp for fp in fingerprints if fp in have}


def adopt(
    out_uri: str,
    prev_uri: str,
    options: StorageOptions,
    units: list[tuple[str, str]],
    release: bool,
    datasets: dict[str, Any],
) -> int:
    """Write markers for ``units`` ((unit id, fingerprint)) from the earlier build; returns how many were adopted."""
    out, prev = Root(out_uri, options), Root(prev_uri, options)
    wanted = {fp: unit for unit, fp in units}
    with prev.open(UNIT_INDEX, "rb") as f:
        table = pq.read_table(f)
    table = table.filter(pc.is_in(table["fingerprint"], value_set=__import__("pyarrow").array(list(wanted))))
    rows_by_fp: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in table.to_pylist():
        rows_by_fp[row["fingerprint"]].append(row)
    adopted = 0
    for fp, rows in rows_by_fp.items():
        unit = wanted[fp]
        record = next((r for r in rows if r["folder"] == ""), None)
        if record is None:
            continue
        counts = json.loads(record["summary"])
        pieces: dict[str, Any] = {}
        for r in sorted((r for r in rows if r["folder"]), key=lambda r: (r["folder"], r["path"], r["offset"])):
            piece = pieces.setdefault(r["folder"], {"parts": [], "summary": {}})
            piece["parts"].append(
                {
                    "src": "prev",
                    "path": r["path"],
                    "offset": r["offset"],
                    "length": r["length"],
                    "offsets": r["offsets"],
                }
            )
            summary = json.loads(r["summary"] or "{}")
            if summary:
                piece["summary"] = summary
        errors = dict(counts.get("errors") or {})
        if record["errors"]:
            errors["path"] = f"{unit_dir(unit)}/errors.jsonl"
            out.write_bytes_atomic(errors["path"], str(record["errors"]).encode())
        else:
            errors["path"] = None
        release_parts = _release(out, prev, unit, pieces, datasets) if release else None
        marker = {
            "unit": unit,
            "fingerprint": fp,
            "recordings": counts.get("recordings", 0),
            "instances": counts.get("instances", 0),
            "audio_seconds": counts.get("audio_seconds", 0.0),
            "pieces": pieces,
            "errors": errors,
            "not_fed": counts.get("not_fed") or {},
            "release": release_parts,
            "reused_from": prev_uri,
        }
        out.write_bytes_atomic(marker_path(unit), json.dumps(marker).encode())
        adopted += 1
    return adopted


def _release(out: Root, prev: Root, unit: str, pieces: dict[str, Any], datasets: dict[str, Any]) -> dict[str, Any]:
    """The unit's share of the release layout, rewritten from its samples in the earlier build's shards."""
    writer = ReleaseWriter(out, unit_dir(unit), datasets)
    for folder, piece in pieces.items():
        for part in piece["parts"]:
            data = prev.read_range(part["path"], int(part["offset"]), int(part["length"]))
            for key, members in read_samples(io.BytesIO(data + b"\0" * 1024)):
                sample = members.pop("json")
                writer.add({"key": key, "folder": folder, "sample": sample, "members": members})
    return writer.close()
