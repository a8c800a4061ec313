"""The listing commands of the contract: recipes, tasks, tasks --coverage (no Ray involved)."""

from __future__ import annotations

from audioflan_ray.recipes.base import registry
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.tasks.engine import templates
from tests.conftest import run_cli


def test_recipes_lists_every_recipe_with_its_domain_and_tasks() -> None:
    proc = run_cli("recipes")
    assert proc.returncode == 0
    lines = proc.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(registry())
    esc = next(line for line in lines if line.startswith("esc50"))
    assert esc.split()[1] == "audio" and "Sound Event Recognition" in esc


def test_tasks_lists_all_80_with_template_counts() -> None:
    proc = run_cli("tasks")
    assert proc.returncode == 0
    rows = proc.stdout.strip().splitlines()[1:]
    assert len(rows) == 80 == len(catalog())
    asr = next(r for r in rows if "Automatic Speech Recognition" in r)
    assert asr.split()[-1] == str(len(templates()["Automatic Speech Recognition"].instructions))


def test_coverage_is_honest() -> None:
    proc = run_cli("tasks", "--coverage")
    assert proc.returncode == 0
    text = proc.stdout
    assert len(proc.stdout.strip().splitlines()) == 80
    for minor in catalog():
        line = next(x for x in text.splitlines() if f" {minor} " in x or x.rstrip().endswith(minor))
        if minor in templates():
            assert "fed by:" in line, line
        else:
            assert "no template yet" in line, line
    asr = next(x for x in text.splitlines() if "Automatic Speech Recognition" in x)
    assert "librispeech" in asr and "ljspeech" in asr
    age = next(x for x in text.splitlines() if " Age Recognition " in x)
    assert "librispeech lacks age" in age
