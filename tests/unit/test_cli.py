"""The listing commands of the contract: recipes, tasks, tasks --coverage (no Ray involved)."""

from __future__ import annotations

from audioflan_ray.pipeline.scan import cannot_feed, tasks_for
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


def test_coverage_and_the_plan_follow_the_known_values() -> None:
    """TinySOL's instruments are never a voice and it holds one technique: it feeds neither Vocal Technique
    Classification nor the technique comparison, in the listing and in the plan (both ask ``cannot_feed``)."""
    lines = run_cli("tasks", "--coverage").stdout.splitlines()
    fed = {x[8:50].rstrip(): x.split("fed by: ", 1)[1].split(" | ", 1)[0].split(", ") for x in lines if "fed by: " in x}
    vocal, compare = "Vocal Technique Classification", "Instrumental Technique Comparison"
    assert "tinysol" not in fed[vocal] and "vocalset" in fed[vocal]
    assert "tinysol" not in fed[compare] and "orchideasol" in fed[compare]
    assert "tinysol" in fed["Instrumental Technique Classification"]
    tiny = registry()["tinysol"]
    planned = {t.minor for t in tasks_for(tiny.domain, tiny.provides, None, tiny.values)}
    assert vocal not in planned and compare not in planned and "Instrumental Technique Classification" in planned
    # the labels alone would let it feed both: the known values are what rules them out
    assert cannot_feed(templates()[vocal], tiny.domain, tiny.provides) is None
    assert "has one technique only" in (
        cannot_feed(templates()[compare], tiny.domain, tiny.provides, tiny.values) or ""
    )


def test_tasks_side_is_the_records_side_with_the_csv_side_as_a_note() -> None:
    rows = run_cli("tasks").stdout.strip().splitlines()[1:]
    for minor, t in templates().items():
        row = next(r for r in rows if f" {minor} " in r)
        side = "generation" if t.generation else "understanding"
        assert row.split()[1] == side, row
        assert row.endswith(f"CSV files it under {t.info.side}") == (side != t.info.side), row
    snr = next(r for r in rows if "Signal-to-noise Ratio Estimation" in r)
    assert snr.split()[1] == "understanding" and snr.endswith("under generation")


def test_readme_table_of_recipes_is_the_generated_one() -> None:
    from pathlib import Path

    from audioflan_ray.cli import README_MARKERS, recipes_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    begin, end = (readme.index(m) for m in README_MARKERS)
    assert readme[begin : end + len(README_MARKERS[1])] == recipes_markdown(), "run `audioflan-ray recipes --markdown`"
    proc = run_cli("recipes", "--markdown")
    assert proc.returncode == 0 and proc.stdout.strip() == recipes_markdown()
    assert all(f"| {name} |" in proc.stdout for name in registry())
