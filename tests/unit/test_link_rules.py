"""Partners from the same dataset keep a task's ``accepts`` / ``rejects`` rules (no Ray, in-memory rows)."""

from __future__ import annotations

import json

from audioflan_ray.pipeline.link import Linker, Rows
from audioflan_ray.tasks.engine import templates


def rows_of(metas: list[dict[str, str]]) -> Rows:
    n = len(metas)
    return Rows(
        recording_id=[f"r{i:02d}" for i in range(n)],
        audio=[f"r{i:02d}.wav" for i in range(n)],
        audio_uri=[f"/x/r{i:02d}.wav" for i in range(n)],
        split=["train"] * n,
        domain=["music"] * n,
        unit=["u"] * n,
        number=[1] * n,
        size=[1] * n,
        version=["v"] * n,
        meta_json=[json.dumps(m) for m in metas],
        tasks=[[] for _ in metas],
        source=["s"] * n,
        dataset="c",
        metas=[None] * n,
    )


def test_a_technique_comparison_never_pairs_an_instrument_with_the_voice() -> None:
    t = templates()["Instrumental Technique Comparison"]  # rejects the singing voice
    metas = [
        {"instrument": "voice" if i % 2 else "violin", "technique": ["vibrato", "tremolo"][i // 2 % 2]}
        for i in range(24)
    ]
    rows = rows_of(metas)
    linker = Linker(rows, [True] * len(rows), None, None)
    partners = []
    for i in range(0, len(rows), 2):
        link, why = linker.link(i, t)
        assert link is not None, why
        partners.append(link["partners"]["other"]["recording_id"])
    assert partners and all(metas[int(p[1:])]["instrument"] == "violin" for p in partners)
    # without the rule the same rings would offer voice clips: the filter, not the data, keeps them out
    free = templates()["Speaker Verification"]
    assert free.refuses({"instrument": "voice"}) is None and t.refuses({"instrument": "voice"}) == "instrument is voice"
