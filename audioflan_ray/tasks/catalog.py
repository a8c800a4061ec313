"""The 80 Audio-FLAN minor tasks, read from ``audioflan_tasks.csv`` (a copy of the dataset's task table)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CSV_PATH = Path(__file__).with_name("audioflan_tasks.csv")


@dataclass(frozen=True)
class TaskInfo:
    domain: str  # speech / music / audio
    side: str  # understanding / generation, as the paper files it
    major: str
    minor: str
    io: str


@lru_cache(maxsize=1)
def catalog() -> dict[str, TaskInfo]:
    """minor task name -> TaskInfo, in the table's order."""
    with CSV_PATH.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {r["minor"]: TaskInfo(r["domain"], r["side"], r["major"], r["minor"], r["io"]) for r in rows}
