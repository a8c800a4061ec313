"""The commit step: staged pieces become final shards, then errors, stats.json, and ``manifest.json`` last.

A (folder, unit) written by one write task is renamed into place. One split across several write tasks (Ray may
bundle blocks differently from run to run) is merged in (recording, instance) order and re-cut, which gives the
same shards as the single-task case: shard names and bytes do not depend on scheduling.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from audioflan_ray.audio.ops import audio_seconds
from audioflan_ray.sink.tars import PieceInfo, PieceWriter, Sample, read_samples
from audioflan_ray.storage import Root, StorageOptions
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.tasks.engine import templates

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
STATS = "stats.json"
FORMAT = "audioflan-ray/1"


def staged_piece_name(folder: str, dataset: str, unit: int, first_seq: int, piece: int) -> str:
    return f"_staging/shards/{folder}/{dataset}-{unit:06d}-s{first_seq:09d}-{piece:03d}.tar"


def final_shard_name(folder: str, dataset: str, unit: int, piece: int) -> str:
    return f"shards/{folder}/{dataset}-{unit:06d}-{piece:03d}.tar"


@dataclass
class Committer:
    uri: str
    options: dict[str, Any]
    max_bytes: int
    max_samples: int
    build_id: str
    config: dict[str, Any]
    plan_problems: list[dict[str, Any]] = field(default_factory=list)
    not_fed: dict[str, dict[str, int]] = field(default_factory=dict)
    recordings: dict[str, int] = field(default_factory=dict)
    # dataset -> {"domain", "number"}: where the release layout puts its audio (release.datasets_of)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress_interval_s: float = 5.0
    result: dict[str, Any] | None = None
    release: dict[str, Any] | None = None  # what the release export wrote (None: layout off)

    def root(self) -> Root:
        return Root(self.uri, StorageOptions(**self.options))

    # -- shards ---------------------------------------------------------------------------------------------------

    def _merged_samples(self, root: Root, groups: list[dict[str, Any]]) -> Iterator[tuple[int, int, Sample]]:
        def stream(group: dict[str, Any]) -> Iterator[tuple[int, int, Sample]]:
            for piece in group["pieces"]:
                index = json.loads(root.read_bytes(piece["path"] + ".idx.json"))
                with root.open(piece["path"], "rb") as f:
                    for (key, members), (ikey, seq, order) in zip(read_samples(f), index, strict=True):
                        if key != ikey:
                            raise RuntimeError(f"{piece['path']}: index out of step at {key} / {ikey}")
                        meta = json.loads(members["json"])
                        yield (
                            seq,
                            order,
                            Sample(
                                key=key,
                                members=members,
                                seq=seq,
                                order=order,
                                task=meta["task_type"]["minor"][0],
                                split=meta["split"][0],
                                dataset=meta["other"]["dataset"],
                                domain=meta["domain"],
                                audio_seconds=audio_seconds(members),
                                variant=templates()[meta["task_type"]["minor"][0]].variant(key),
                            ),
                        )

        return heapq.merge(*(stream(g) for g in groups), key=lambda t: (t[0], t[1]))

    def _finalize_group(self, root: Root, key: tuple[str, str, int], groups: list[dict[str, Any]]) -> list[PieceInfo]:
        folder, dataset, unit = key
        if len(groups) == 1:
            pieces = []
            for k, p in enumerate(groups[0]["pieces"]):
                final = final_shard_name(folder, dataset, unit, k)
                root.move(p["path"], final)
                info = PieceInfo(
                    path=final,
                    num_samples=p["num_samples"],
                    num_bytes=p["num_bytes"],
                    sha256=p["sha256"],
                    tasks=p["tasks"],
                    counts=p["counts"],
                    variants=p["variants"],
                )
                pieces.append(info)
            return pieces

        def name_of(k: int) -> str:
            return f"_staging/merged/{final_shard_name(folder, dataset, unit, k)}"

        writer = PieceWriter(lambda p: root.open(p, "wb"), name_of, self.max_bytes, self.max_samples)
        seen: set[str] = set()
        for _, _, sample in self._merged_samples(root, groups):
            if sample.key in seen:  # a retried write task may have staged the same sample twice
                continue
            seen.add(sample.key)
            writer.write(sample)
        merged = writer.close()
        for k, info in enumerate(merged):
            final = final_shard_name(folder, dataset, unit, k)
            root.move(info.path, final)
            info.path = final
        return merged

    # -- commit ---------------------------------------------------------------------------------------------------

    def commit(self, write_returns: list[dict[str, Any]]) -> dict[str, Any]:
        root = self.root()
        by_group: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
        error_rows: list[dict[str, Any]] = list(self.plan_problems)
        error_files = []
        not_fed = {task: dict(per) for task, per in self.not_fed.items()}
        for ret in write_returns:
            for task, per in (ret.get("not_fed") or {}).items():  # map_tasks' NotFeedable instances
                counts = not_fed.setdefault(task, {})
                for why, n in per.items():
                    counts[why] = counts.get(why, 0) + n
            for g in ret["groups"]:
                by_group[(g["folder"], g["dataset"], g["unit"])].append(g)
            for e in ret["errors"]:
                error_files.append(e["path"])
                error_rows.extend(e["rows"])
        shards: list[PieceInfo] = []
        for key in sorted(by_group):
            groups = sorted(by_group[key], key=lambda g: g["first_seq"])
            shards.extend(self._finalize_group(root, key, groups))
        for path in sorted(error_files):
            root.move(path, path.replace("_staging/", "", 1))
        if self.plan_problems:
            root.write_bytes_atomic(
                "errors/plan.jsonl",
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.plan_problems).encode(),
            )
        stats = make_stats(shards, error_rows, dict(sorted(not_fed.items())), self.recordings)
        root.write_bytes_atomic(STATS, json.dumps(stats, indent=2, ensure_ascii=False).encode())
        manifest = {
            "format": FORMAT,
            "build_id": self.build_id,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "config": self.config,
            "shards": [s.to_dict() for s in sorted(shards, key=lambda s: s.path)],
            "totals": {
                "instances": stats["instances"],
                "audio_seconds": stats["audio_seconds"],
                "by_task": {k: v["instances"] for k, v in stats["by_task"].items()},
                "by_domain": {k: v["instances"] for k, v in stats["by_domain"].items()},
                "by_split": {k: v["instances"] for k, v in stats["by_split"].items()},
            },
            "errors": stats["errors"]["total"],
        }
        root.remove_tree("_staging")
        self._export_release(shards)
        root.write_bytes_atomic(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        self.result = {
            "output": self.uri,
            "instances": stats["instances"],
            "shards": len(shards),
            "audio_hours": round(stats["audio_seconds"] / 3600, 4),
            "errors": stats["errors"]["total"],
        }
        return self.result

    def _export_release(self, shards: list[PieceInfo]) -> None:
        """The Audio-FLAN release layout from the final shards, before the manifest makes the build complete.

        Always fresh: release folders already in the output belong to an earlier build (the layout may be off in
        this one, and must then not survive beside shards it does not describe).
        """
        from audioflan_ray import release

        if not release.release_enabled(self.config):
            root = self.root()
            for d in release.RELEASE_DIRS:
                root.remove_tree(d)
            return
        entries = [s.to_dict() for s in sorted(shards, key=lambda s: s.path)]
        self.release = release.export(
            self.uri, self.options, entries, self.datasets, fresh=True, interval=self.progress_interval_s
        )
        log.info("release layout: %s", self.release)


def _bucket() -> dict[str, Any]:
    return {"instances": 0, "audio_seconds": 0.0}


def make_stats(
    shards: list[PieceInfo],
    error_rows: list[dict[str, Any]],
    not_fed: dict[str, dict[str, int]],
    recordings: dict[str, int],
) -> dict[str, Any]:
    """Counts and audio seconds by domain, task, split and source; errors by reason (rows and seconds)."""
    views: dict[str, dict[str, dict[str, Any]]] = {
        v: defaultdict(_bucket) for v in ("by_domain", "by_task", "by_split", "by_source")
    }
    by_task_split: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total, seconds = 0, 0.0
    tasks = catalog()
    for s in shards:
        for ck, (n, secs) in s.counts.items():
            domain, task, split, dataset = ck.split("\t")
            # an instance's domain is its task's (what its record says), not its recording's corpus's
            domain = tasks[task].domain if task in tasks else domain
            for view, k in (("by_domain", domain), ("by_task", task), ("by_split", split), ("by_source", dataset)):
                views[view][k]["instances"] += int(n)
                views[view][k]["audio_seconds"] += float(secs)
            by_task_split[task][split] += int(n)
            total += int(n)
            seconds += float(secs)
    reasons: dict[str, dict[str, Any]] = defaultdict(lambda: {"rows": 0, "audio_seconds": 0.0})
    for e in error_rows:
        r = reasons[e["type"]]
        r["rows"] += 1
        r["audio_seconds"] += float(e.get("audio_seconds") or 0.0)
    out: dict[str, Any] = {
        "instances": total,
        "audio_seconds": round(seconds, 3),
        "audio_hours": round(seconds / 3600, 4),
        "shards": len(shards),
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
    variants: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in shards:
        for task, per in s.variants.items():
            for idx, n in per.items():
                variants[task][idx] += n
    for task, per in variants.items():
        total_task = sum(per.values())
        entry = out["by_task"].setdefault(task, {"instances": 0, "audio_seconds": 0.0, "audio_hours": 0.0})
        # "-1" counts instances whose variant was not known when written: not an instruction of its own
        entry["distinct_instructions"] = sum(1 for k in per if int(k) >= 0)
        entry["variant_share"] = {
            k: round(v / total_task, 4) for k, v in sorted(per.items(), key=lambda kv: int(kv[0]))
        }
    for entry in out["by_task"].values():  # every entry has the same keys, even with no variant counted
        entry.setdefault("distinct_instructions", 0)
        entry.setdefault("variant_share", {})
    out["errors"] = {
        "total": len(error_rows),
        "by_reason": {
            k: {"rows": v["rows"], "audio_seconds": round(v["audio_seconds"], 3)} for k, v in sorted(reasons.items())
        },
    }
    out["not_fed"] = not_fed
    return out
