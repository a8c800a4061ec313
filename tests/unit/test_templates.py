"""Templates are data: every file loads, passes its own inline cases, and renders deterministically."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from audioflan_ray.errors import TemplateError
from audioflan_ray.tasks.catalog import catalog
from audioflan_ray.tasks.engine import MIN_INSTRUCTIONS, load_template, run_inline_tests, templates


def test_catalog_has_the_80_audio_flan_tasks() -> None:
    cat = catalog()
    assert len(cat) == 80
    assert {i.domain for i in cat.values()} == {"speech", "music", "audio"}
    assert sum(i.domain == "speech" for i in cat.values()) == 34


def test_every_audio_flan_task_has_a_template_named_as_in_the_csv() -> None:
    ts = templates()
    assert set(ts) == set(catalog())
    assert len({t.code for t in ts.values()}) == 80


@pytest.mark.parametrize("minor", sorted(templates()))
def test_every_variant_renders_without_leftover_placeholders(minor: str) -> None:
    t = templates()[minor]
    meta = next((c.get("meta", {}) for c in t.tests if not c.get("expect", {}).get("error")), None)
    assert meta is not None, f"{minor}: no inline case that renders"
    ids = {slot: f"ds_rec{i}" for i, slot in enumerate(t.slots)}
    seen = set()
    for i in range(300):
        out = t.render(f"key_{i}", ids, meta)
        seen.add(out["instruction"])
        for part in out.values():
            assert "{" not in part.replace("{", "", str(meta).count("{")) or "{" in str(meta), (minor, part)
        for slot, aid in ids.items():
            side = t.members[slot].split(".")[0].rstrip("0123456789")
            assert out[side].count(f"<|SOA|>{aid}<|EOA|>") == 1
    assert len(seen) == len(t.instructions)  # every variant is used and renders to a distinct string
    # Audio-FLAN's rule: audio in the output makes it generation.
    assert t.generation == any(m.startswith("output") for m in t.members.values())


@pytest.mark.parametrize("minor", sorted(templates()))
def test_template_inline_cases_pass(minor: str) -> None:
    t = templates()[minor]
    assert len(t.instructions) >= MIN_INSTRUCTIONS
    assert run_inline_tests(t) == []


#: task parameters that only the instruction carries (neither input nor output names them): every variant keeps them
INSTRUCTION_CARRIES = {
    "Audio Inpainting": {"gap_start_s", "gap_end_s"},
    "Audio Super-resolution": {"target_rate"},
    "Emotion Conversion": {"emotion"},
    "Emotional TTS": {"emotion"},
    "Zero-shot Emotional TTS": {"emotion"},
    "Sound Event Detection": {"label"},
    "Speech-to-Speech Translation": {"language"},
    "Speech-to-Text Translation": {"translation_language"},
    "Text-guided Source Separation": {"instrument"},
}


@pytest.mark.parametrize("minor", sorted(templates()))
def test_every_instruction_keeps_the_task_meaning_and_its_parameters(minor: str) -> None:
    t = templates()[minor]
    assert t.meaning, f"{minor}: no meaning words"
    for instruction in t.instructions:
        assert any(stem in instruction.lower() for stem in t.meaning), (minor, instruction)
        assert INSTRUCTION_CARRIES.get(minor, set()) <= {
            name for _, name, _, _ in string.Formatter().parse(instruction) if name
        }, (minor, instruction)
    # distinct wording, not the same sentence with other punctuation or case
    assert len({i.lower().rstrip(".?!") for i in t.instructions}) == len(t.instructions)
    assert all(i[:1].isupper() or i[:1] == "{" for i in t.instructions), minor


POLITE = ("please", "could you", "would you", "can you", "kindly")


def test_instruction_variety_commands_requests_questions_and_lengths() -> None:
    for minor, t in templates().items():
        questions = sum(i.rstrip().endswith("?") for i in t.instructions)
        polite = sum(i.lower().startswith(POLITE) for i in t.instructions)
        words = sorted(len(i.split()) for i in t.instructions)
        assert questions >= 3 and polite >= 3, minor
        assert words[0] <= 5 and words[-1] >= 10, (minor, words)


def test_only_closed_set_speaker_identification_splits_within_speakers() -> None:
    within = [m for m, t in templates().items() if t.split_within_speaker]
    assert within == ["Speaker Identification"]


def test_an_instruction_that_drifts_from_the_meaning_is_refused(tmp_path: Path) -> None:
    asr = Path(templates()["Automatic Speech Recognition"].path).read_text(encoding="utf-8")
    drifted = tmp_path / "asr.yaml"
    drifted.write_text(asr.replace("  - Transcribe this.\n", "  - What emotion does the speaker convey?\n"))
    with pytest.raises(TemplateError, match="holds none of the meaning words"):
        load_template(drifted)
    drifted.write_text(asr.replace("per_segment: false", "split_within_speaker: true"))
    with pytest.raises(TemplateError, match="split_within_speaker needs speaker"):
        load_template(drifted)


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
        "meaning must list",
    ):
        assert fragment in msg, fragment


def test_rejects_keeps_the_singing_voice_out_of_instrumental_technique_tasks(tmp_path: Path) -> None:
    from audioflan_ray.pipeline.scan import cannot_feed

    for minor in ("Instrumental Technique Classification", "Instrumental Technique Comparison"):
        t = templates()[minor]
        assert t.eligible({"technique": "vibrato", "instrument": "violin"}) is None
        assert t.eligible({"technique": "vibrato", "instrument": "voice"}) == "instrument is voice"
        # a corpus whose every instrument is the voice can never feed it; one that may hold others can
        assert "has only instrument" in str(
            cannot_feed(t, "music", {"technique", "instrument"}, {"instrument": {"voice"}})
        )
        assert cannot_feed(t, "music", {"technique", "instrument"}, {"instrument": {"voice", "flute"}}) is None
    vocal = templates()["Vocal Technique Classification"]
    assert vocal.eligible({"technique": "belt", "instrument": "voice"}) is None
    text = Path(templates()["Instrumental Technique Classification"].path).read_text(encoding="utf-8")
    bad = tmp_path / "itech.yaml"
    bad.write_text(text.replace("rejects: {instrument: [", "rejects: {speaker: ["))
    with pytest.raises(TemplateError, match="rejects unknown metadata field 'speaker'"):
        load_template(bad)
    bad.write_text(text.replace("rejects: {instrument: [voice, vocal, singing voice]}", "rejects: {instrument: voice}"))
    with pytest.raises(TemplateError, match="rejects must map a field to a list"):
        load_template(bad)
