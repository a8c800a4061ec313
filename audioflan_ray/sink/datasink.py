"""The Ray Data datasink: write tasks stage tar pieces per (folder, unit); ``on_write_complete`` commits them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ray.data.block import Block, BlockAccessor
from ray.data.datasource.datasink import Datasink, WriteResult

from audioflan_ray.errors import NOT_FED
from audioflan_ray.progress import report
from audioflan_ray.sink.commit import Committer, staged_piece_name
from audioflan_ray.sink.tars import PieceWriter, Sample
from audioflan_ray.storage import Root, StorageOptions
from audioflan_ray.tasks.engine import templates


class WebDatasetSink(Datasink[dict[str, Any]]):
    def __init__(self, committer: Committer):
        self.committer = committer
        self.uri = committer.uri
        self.options = committer.options
        self.max_bytes = committer.max_bytes
        self.max_samples = committer.max_samples

    def get_name(self) -> str:
        return "AudioFlanWebDataset"

    def write(self, blocks: Iterable[Block], ctx: Any) -> dict[str, Any]:
        root = Root(self.uri, StorageOptions(**self.options))
        writers: dict[tuple[str, str, int], tuple[int, PieceWriter]] = {}
        errors: dict[tuple[str, int], list[dict[str, Any]]] = {}
        first_seq_err: dict[tuple[str, int], int] = {}
        not_fed: dict[str, dict[str, int]] = {}
        instances = 0
        seconds = 0.0
        for block in blocks:
            for row in BlockAccessor.for_block(block).to_arrow().to_pylist():
                if row["error"]:
                    err = json.loads(row["error"])
                    if err["type"] == NOT_FED:  # a task this recording cannot feed: counted, not quarantined
                        per_task = not_fed.setdefault(row["task"], {})
                        per_task[err["message"]] = per_task.get(err["message"], 0) + 1
                        continue
                    ekey = (row["dataset"], int(row["unit"]))
                    first_seq_err.setdefault(ekey, int(row["seq"]))
                    span = (row.get("start_s"), row.get("end_s"))
                    dur = span[1] - span[0] if None not in span else row.get("duration_s")
                    errors.setdefault(ekey, []).append(
                        {
                            "dataset": row["dataset"],
                            "recording_id": row["recording_id"],
                            "path": row["audio_uri"],
                            "stage": err["stage"],
                            "type": err["type"],
                            "message": err["message"],
                            "audio_seconds": float(dur) if dur is not None else None,
                        }
                    )
                    continue
                gkey = (row["folder"], row["dataset"], int(row["unit"]))
                if gkey not in writers:
                    first_seq = int(row["seq"])
                    folder, dataset, unit = gkey

                    def name_of(k: int, g: tuple[str, str, int] = gkey, s: int = first_seq) -> str:
                        return staged_piece_name(g[0], g[1], g[2], s, k)

                    writers[gkey] = (
                        first_seq,
                        PieceWriter(lambda p: root.open(p, "wb"), name_of, self.max_bytes, self.max_samples),
                    )
                _, writer = writers[gkey]
                writer.write(
                    Sample(
                        key=row["key"],
                        members={
                            "json": row["sample"],
                            **dict(row["members"]),
                            **({"features.npy": row["features"]} if row.get("features") is not None else {}),
                        },
                        seq=int(row["seq"]),
                        order=int(row["order"]),
                        task=row["task"],
                        split=row["split"],
                        dataset=row["dataset"],
                        domain=row["domain"],
                        audio_seconds=float(row["audio_seconds"]),
                        variant=templates()[row["task"]].variant(row["key"]),
                    )
                )
                instances += 1
                seconds += float(row["audio_seconds"])
        groups = []
        for (folder, dataset, unit), (first_seq, writer) in sorted(writers.items()):
            pieces = writer.close()
            for p in pieces:
                # The (key, seq, order) index lets the commit step merge a unit split across write tasks.
                root.write_bytes_atomic(p.path + ".idx.json", json.dumps(p.index).encode())
            groups.append(
                {
                    "folder": folder,
                    "dataset": dataset,
                    "unit": unit,
                    "first_seq": first_seq,
                    "pieces": [{**p.to_dict(), "counts": p.counts, "variants": p.variants} for p in pieces],
                }
            )
        error_files = []
        for (dataset, unit), rows in sorted(errors.items()):
            path = f"_staging/errors/{dataset}-{unit:06d}-s{first_seq_err[(dataset, unit)]:09d}.jsonl"
            root.write_bytes_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode())
            error_files.append({"path": path, "rows": rows})
        num_pieces = sum(len(g["pieces"]) for g in groups)  # type: ignore[arg-type,misc]
        report(
            {
                "instances": instances,
                "audio_seconds": seconds,
                "errors": sum(len(r) for r in errors.values()),
                "pieces": num_pieces,
            }
        )
        return {"groups": groups, "errors": error_files, "not_fed": not_fed}

    def on_write_complete(self, write_result: WriteResult[dict[str, Any]]) -> None:
        self.committer.commit(write_result.write_returns)
