"""Instrumental technique tasks built without Ray from the OrchideaSOL fixture: every answer follows the labels the
recipe reads, and each clip of a pair is the recording whose label the answer compares."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from audioflan_ray.audio import ops
from audioflan_ray.recipes.base import Recording, registry
from audioflan_ray.storage import Root
from audioflan_ray.tasks.engine import templates
from tests.fixtures.corpora import orchideasol
from tests.pipeline_util import instances, load

COMPARE, CLASSIFY = "Instrumental Technique Comparison", "Instrumental Technique Classification"


def _same_audio(data: bytes, wav: Path, ref: dict[str, Any]) -> bool:
    got, rate = sf.read(io.BytesIO(data), dtype="float64")
    x, orig = ops.decode(wav.read_bytes(), wav.name)
    x = ops.resample(ops.to_mono(x), orig, rate)[round(ref["start_s"] * rate) :][: len(got)]
    n = min(len(x), len(got))
    return n >= len(got) - 2 and float(np.corrcoef(x[:n], got[:n])[0, 1]) > 0.99


def test_technique_tasks_get_instances_whose_answers_follow_the_labels(tmp_path: Path) -> None:
    root = orchideasol.make(tmp_path / "corpus")
    truth = {r.recording_id: r for r in registry()["orchideasol"](Root(str(root))).scan() if isinstance(r, Recording)}
    built = instances(
        load(
            tmp_path / "out",
            f"sources=[{{recipe: orchideasol, root: {root}}}]",
            f"build.tasks=[{COMPARE}, {CLASSIFY}]",
            "audio.simulate.noise=null",
        )
    )
    by_task: dict[str, list[tuple[dict[str, Any], dict[str, bytes]]]] = {COMPARE: [], CLASSIFY: []}
    for rec, members in built:
        by_task[rec["task_type"]["minor"][0]].append((rec, members))

    classified = {rec["other"]["recording_id"] for rec, _ in by_task[CLASSIFY]}
    assert classified == set(truth)  # one clip per note: every recording is classified once
    for rec, _ in by_task[CLASSIFY]:
        assert rec["output"].endswith(truth[rec["other"]["recording_id"]].meta["technique"]), rec["output"]

    answers = (templates()[COMPARE].compare or {})["answers"]
    seen: dict[str, set[str]] = {"same": set(), "different": set()}
    for rec, members in by_task[COMPARE]:
        (partner,) = rec["other"]["partners"]
        mine, other = truth[rec["other"]["recording_id"]], truth[partner["recording_id"]]
        assert mine.split == other.split == rec["split"][0] and mine.recording_id != other.recording_id
        kind = "same" if mine.meta["technique"] == other.meta["technique"] else "different"
        assert rec["output"].endswith(answers[kind]), (mine.meta, other.meta, rec["output"])
        seen[kind].add(rec["split"][0])
        assert _same_audio(members["input.flac"], root / mine.audio, rec["other"])
        assert _same_audio(members["input2.flac"], root / other.audio, partner)
    # both answers are given, and every split of the fixture has pairs
    assert seen["same"] and seen["different"]
    assert seen["same"] | seen["different"] == {"train", "dev", "test"}
