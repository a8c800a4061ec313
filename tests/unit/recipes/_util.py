"""Helpers for the recipe edge-case tests: write index files and empty audio files, scan a recipe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root


def files(root: Path, contents: dict[str, str | bytes]) -> Path:
    """Write ``{relative path: text or bytes}`` under ``root`` (audio can be empty: scans never open it)."""
    for rel, data in contents.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


def recipe(name: str, root: Path, options: dict[str, Any] | None = None) -> Any:
    return registry()[name](Root(str(root)), options)


def scan(name: str, root: Path, options: dict[str, Any] | None = None) -> list[Recording | Problem]:
    return list(recipe(name, root, options).scan())


def recordings(items: list[Any]) -> dict[str, Recording]:
    return {r.recording_id: r for r in items if isinstance(r, Recording)}


def problems(items: list[Any]) -> list[tuple[str, str]]:
    return [(p.path, p.reason) for p in items if isinstance(p, Problem)]


def parts_equal_scan(name: str, root: Path, options: dict[str, Any] | None = None) -> bool:
    r = recipe(name, root, options)
    return [x for part in r.parts() for x in r.scan_part(part)] == list(recipe(name, root, options).scan())
