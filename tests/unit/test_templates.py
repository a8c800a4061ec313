"""Templates are data: every file loads, passes its own inline cases, and renders deterministically."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray.errors import TemplateError
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.tasks.engine import MIN_INSTRUCTIONS, load_template, run_inline_tests, templates

REQUIRED = [
    "Automatic Speech Recognition",
    "Text to Speech",
    "Gender Recognition",
    "Age Recognition",
    "Accent Recognition",
    "Language Identification",
    "Speaker Identification",
    "Sound Event Recognition",
    "Genre Classification",
    "Instrument Classification",
    "Pitch Classification",
]


def test_catalog_has_the_80_audio_flan_tasks() -> None:
    cat = catalog()
    assert len(cat) == 80
    assert {i.domain for i in cat.values()} == {"speech", "music", "audio"}
    assert sum(i.domain == "speech" for i in cat.values()) == 34


def test_required_tasks_have_templates_named_as_in_the_csv() -> None:
    ts = templates()
    for minor in REQUIRED:
        assert minor in ts, minor
    assert set(ts) <= set(catalog())


@pytest.mark.parametrize("minor", sorted(templates()))
def test_template_inline_cases_pass(minor: str) -> None:
    t = templates()[minor]
    assert len(t.instructions) >= MIN_INSTRUCTIONS
    assert run_inline_tests(t) == []


def test_generation_puts_audio_in_output_and_text_in_input() -> None:
    tts = templates()["Text to Speech"]
    out = tts.render("k", "ljspeech_LJ001-0002", {"transcript": "in being comparatively modern."})
    assert out["output"].endswith("<|SOA|>ljspeech_LJ001-0002<|EOA|>")
    assert "in being comparatively modern." in out["input"] and "<|SOA|>" not in out["input"]
    assert tts.generation and not templates()["Automatic Speech Recognition"].generation


def test_variant_choice_is_deterministic_and_spread() -> None:
    asr = templates()["Automatic Speech Recognition"]
    meta = {"transcript": "HELLO"}
    assert asr.render("a_key", "x", meta) == asr.render("a_key", "x", meta)
    seen = {asr.render(f"key_{i}", "x", meta)["instruction"] for i in range(400)}
    assert seen == set(asr.instructions)


def test_malformed_template_reports_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "minor: Not A Task\ncode: Bad-Code\nrequires: [nonsense]\naudio: sideways\n"
        "instructions: [one, two]\ninput: '{audio}{missing}'\noutput: x\nextra: 1\n"
    )
    with pytest.raises(TemplateError) as err:
        load_template(bad)
    msg = str(err.value)
    for fragment in (
        "Not A Task",
        "code must match",
        "nonsense",
        "audio must be",
        "2 instructions",
        "{missing}",
        "unknown key 'extra'",
        "inline test",
    ):
        assert fragment in msg, fragment
