"""Every fixture corpus in ``tests/fixtures/corpora`` scanned by its recipe equals its golden file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.corpora import build, modules, recipe_of
from tests.fixtures.corpora._golden import GOLDEN, rows


@pytest.fixture(scope="session")
def fixture_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fixture_corpora")


@pytest.mark.parametrize("name", list(modules()))
def test_fixture_scan_matches_golden(name: str, fixture_cache: Path) -> None:
    root = build(name, fixture_cache)
    golden = [json.loads(x) for x in (GOLDEN / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if x]
    assert rows(name, root) == golden


@pytest.mark.parametrize("name", list(modules()))
def test_fixture_declares_kind_and_recipe(name: str) -> None:
    from audioflan_ray.recipes.base import registry

    mod = modules()[name]
    assert getattr(mod, "KIND", None) in ("real", "mirdata", "faithful"), name
    assert recipe_of(name) in registry(), name
    assert (mod.__doc__ or "").strip(), f"{name}: the fixture's docstring cites the layout's sources"
