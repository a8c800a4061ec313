"""Partners and answer options are chosen at plan time: within one dataset and split, balanced, deterministic."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from audioflan_ray.pipeline.link import Linker, Rows
from audioflan_ray.tasks.engine import Template, load_template

PAIR_YAML = """
minor: Speaker Verification
code: svtest
requires: [speaker]
per_segment: true
audio: {{audio: self, other: partner.other}}
partners: [{{role: other, match: {{speaker: {mode}}}}}]
{extra}
instructions: [i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15, i16, i17, i18, i19]
meaning: [i]
input: "{{audio}} {{other}}"
output: "{out}"
tests: [{{meta: {{speaker: x, other_speaker: x{answer_meta}}}, expect: {{}}}}]
"""


def template(tmp_path: Path, mode: str, compare: bool = True) -> Template:
    extra = "compare: {field: speaker, op: equal, answers: {same: 'Yes.', different: 'No.'}}" if compare else ""
    text = PAIR_YAML.format(
        mode=mode, extra=extra, out="{answer}" if compare else "{other_speaker}", answer_meta=", answer: Yes."
    )
    path = tmp_path / "sv.yaml"
    path.write_text(text)
    return load_template(path)


def rows_of(spec: list[tuple[str, str, str]], dataset: str = "corpus") -> tuple[list[dict[str, Any]], list[dict]]:
    rows, metas = [], []
    for rec, split, speaker in spec:
        rows.append({"dataset": dataset, "domain": "speech", "recording_id": rec, "split": split})
        metas.append({"speaker": speaker})
    return rows, metas


def columns(rows: list[dict[str, Any]], metas: list[dict[str, Any]]) -> Rows:
    """The linker's column view of rows (one unit: balanced matches alternate over all of them)."""
    out = Rows(
        recording_id=[r["recording_id"] for r in rows],
        audio=[f"{r['recording_id']}.wav" for r in rows],
        audio_uri=[f"/x/{r['recording_id']}.wav" for r in rows],
        split=[r["split"] for r in rows],
        domain=[r["domain"] for r in rows],
        unit=["u"] * len(rows),
        number=[1] * len(rows),
        size=[1] * len(rows),
        version=["v"] * len(rows),
        meta_json=[json.dumps(m) for m in metas],
        tasks=[[] for _ in rows],
        source=["[]"] * len(rows),
        dataset=rows[0]["dataset"] if rows else "corpus",
    )
    out.metas = [None] * len(rows)
    return out


def linker(rows: list[dict[str, Any]], metas: list[dict[str, Any]], noise: tuple[list, list] | None = None) -> Linker:
    cols = columns(rows, metas)
    n = columns(*noise) if noise else None
    return Linker(cols, [True] * len(rows), n, [True] * len(n) if n else None)


def speakers(n_train: int = 40) -> list[tuple[str, str, str]]:
    spec = [(f"tr{i:03d}", "train", f"spk{i % 5}") for i in range(n_train)]
    spec += [(f"te{i:03d}", "test", f"spk{5 + i % 3}") for i in range(12)]
    return spec


def test_balanced_partners_stay_in_split_and_split_evenly(tmp_path: Path) -> None:
    t = template(tmp_path, "balanced")
    rows, metas = rows_of(speakers())
    linker_ = linker(rows, metas)
    answers: Counter[tuple[str, str]] = Counter()
    for i, r in enumerate(rows):
        link, why = linker_.link(i, t)
        assert link is not None, why
        partner = link["partners"]["other"]
        j = next(k for k, x in enumerate(rows) if x["recording_id"] == partner["recording_id"])
        assert j != i and rows[j]["split"] == r["split"]
        same = metas[j]["speaker"] == metas[i]["speaker"]
        answers[(r["split"], "same" if same else "different")] += 1
        assert t.answer(metas[i], {"other": partner["meta"]}, "speech")["answer"] == ("Yes." if same else "No.")
    assert answers[("train", "same")] == answers[("train", "different")] == 20
    assert answers[("test", "same")] == answers[("test", "different")] == 6


def test_links_are_deterministic_and_spread(tmp_path: Path) -> None:
    t = template(tmp_path, "different", compare=False)
    rows, metas = rows_of(speakers())
    first = [json.dumps(linker(rows, metas).link(i, t)) for i in range(len(rows))]
    again = [json.dumps(linker(rows, metas).link(i, t)) for i in range(len(rows))]
    assert first == again
    chosen = {json.loads(x)[0]["partners"]["other"]["recording_id"] for x in first}
    assert len(chosen) > len(rows) // 3  # not everyone paired with the same recording


def test_no_partner_is_reported_not_invented(tmp_path: Path) -> None:
    t = template(tmp_path, "same", compare=False)
    rows, metas = rows_of([("a", "train", "s1"), ("b", "test", "s1"), ("c", "train", "s2"), ("d", "train", "s2")])
    linker_ = linker(rows, metas)
    link, why = linker_.link(0, t)  # s1's other recording is in another split
    assert link is None and "no other partner in train" in str(why)
    link, _ = linker_.link(2, t)
    assert link is not None and link["partners"]["other"]["recording_id"] == "d"


def test_noise_pool_comes_from_the_named_dataset_in_the_same_split(tmp_path: Path) -> None:
    path = tmp_path / "noisy.yaml"
    path.write_text(
        """
minor: Speaker Identification
code: noisytest
requires: [speaker]
audio: {audio: self, n: partner.noise}
partners: [{role: noise, pool: noise}]
instructions: [i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15, i16, i17, i18, i19]
meaning: [i]
input: "{audio} {n}"
output: "{speaker}"
tests: [{meta: {speaker: x}, expect: {}}]
"""
    )
    t = load_template(path)
    speech, smeta = rows_of([("a", "train", "s1"), ("b", "test", "s2")])
    noise, nmeta = rows_of([("n1", "train", ""), ("n2", "test", ""), ("n3", "dev", "")], dataset="noisecorpus")
    for r in noise:
        r["domain"] = "audio"  # a noise corpus of another domain is still its pool
    with_noise = linker(speech, smeta, (noise, nmeta))
    for i, want in ((0, "n1"), (1, "n2")):
        link, why = with_noise.link(i, t)
        assert link is not None, why
        assert link["partners"]["noise"]["dataset"] == "noisecorpus"
        assert link["partners"]["noise"]["recording_id"] == want
    link, why = linker(speech, smeta).link(0, t)
    assert link is None and "audio.simulate.noise" in str(why)


@pytest.mark.parametrize("count", [2, 4])
def test_choices_hold_the_truth_and_distinct_others(tmp_path: Path, count: int) -> None:
    path = tmp_path / "choices.yaml"
    path.write_text(
        f"""
minor: Speaker Identification
code: choicetest
requires: [speaker]
audio: input
choices: {{field: speaker, count: {count}}}
instructions: [i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15, i16, i17, i18, i19]
meaning: [i]
input: "{{audio}} Options: {{choices}}"
output: "{{speaker}}"
tests: [{{meta: {{speaker: x, choices: "x, y"}}, expect: {{}}}}]
"""
    )
    t = load_template(path)
    rows, metas = rows_of(speakers())
    linker_ = linker(rows, metas)
    seen_orders = set()
    for i in range(len(rows)):
        link, _ = linker_.link(i, t)
        assert link is not None
        options = link["choices"].split(", ")
        assert len(options) == len(set(options)) == count and metas[i]["speaker"] in options
        seen_orders.add(options.index(metas[i]["speaker"]))
    assert len(seen_orders) > 1  # the truth is not always in the same place


def test_sources_of_one_recipe_in_two_domains_never_pair(tmp_path: Path) -> None:
    t = template(tmp_path, "balanced")
    rows, metas = rows_of(speakers())
    for r in rows[1::2]:
        r["domain"] = "music"  # e.g. two sources of the generic manifest recipe
    linker_ = linker(rows, metas)
    for i, r in enumerate(rows):
        link, _ = linker_.link(i, t)
        if link is not None:
            partner = link["partners"]["other"]["recording_id"]
            assert next(x for x in rows if x["recording_id"] == partner)["domain"] == r["domain"]


def test_an_inserted_unit_leaves_the_balance_of_later_units_alone(tmp_path: Path) -> None:
    """Unit ids count units, so a unit inserted early renumbers the later ones: their same / different balance must
    not follow the number (else one new recording would change the pairs, and the reuse, of every later unit)."""
    t = template(tmp_path, "balanced")

    def links(units: list[list[tuple[str, str]]]) -> dict[str, Any]:
        spec = [(rec, "train", spk) for unit in units for rec, spk in unit]
        rows, metas = rows_of(spec)
        cols = columns(rows, metas)
        cols.unit = [f"000-000000-{k:05d}" for k, unit in enumerate(units) for _ in unit]
        lk = Linker(cols, [True] * len(rows), None, None)
        return {rows[i]["recording_id"]: lk.link(i, t)[0] for i in range(len(rows))}

    units = [[(f"r{u}{k}", f"spk{(u + k) % 6}") for k in range(8)] for u in range(6)]
    before = links(units)
    # a new speaker's recordings, alone on their own ring group for "same", in a unit inserted first
    after = links([[(f"new{k}", "spknew") for k in range(8)], *units])

    def same_speaker(got: dict[str, Any]) -> dict[str, bool]:
        return {rec: got[rec]["partners"]["other"]["meta"]["speaker"] == spk for unit in units for rec, spk in unit}

    assert same_speaker(after) == same_speaker(before)
