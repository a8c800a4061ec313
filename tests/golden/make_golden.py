"""Write ``tests/golden/recipes/<name>.jsonl``: what each recipe's ``scan`` yields on its fixture corpus.

One JSON object per line, in scan order: a Recording as ``{recording_id, audio, split, meta, size}``, a Problem as
``{path, reason, message}``. Fixtures: ``samples/<name>`` for the bundled corpora; ``../shared/corpora/<name>``
for GTZAN (not redistributable) and for the 5-clip ESC-50 (``esc50_shared.jsonl``).

A golden file is a claim about the corpus, not a snapshot of the code: after regenerating, check the diff by eye
against the corpus's own tables (PROVENANCE.md, README) before committing it.

Usage: ``python tests/golden/make_golden.py [name ...]`` (default: every golden).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from audioflan_ray.recipes.base import Problem, Recording, registry  # noqa: E402
from audioflan_ray.storage import Root  # noqa: E402

SHARED = REPO.parent / "shared" / "corpora"
GOLDEN = Path(__file__).resolve().parent / "recipes"

#: golden file stem -> (recipe name, fixture root)
FIXTURES: dict[str, tuple[str, Path]] = {
    "common_voice": ("common_voice", REPO / "samples" / "common_voice"),
    "esc50": ("esc50", REPO / "samples" / "esc50"),
    "esc50_shared": ("esc50", SHARED / "esc50"),
    "fsdd": ("fsdd", REPO / "samples" / "fsdd"),
    "gtzan": ("gtzan", SHARED / "gtzan"),
    "librispeech": ("librispeech", REPO / "samples" / "librispeech"),
    "ljspeech": ("ljspeech", REPO / "samples" / "ljspeech"),
    "nsynth": ("nsynth", REPO / "samples" / "nsynth"),
    "vctk": ("vctk", REPO / "samples" / "vctk"),
}


def scan_lines(recipe: str, root: Path) -> list[str]:
    """The golden lines for one recipe scanning ``root``."""
    items: list[Recording | Problem] = list(registry()[recipe](Root(str(root))).scan())
    return [json.dumps(dataclasses.asdict(item), ensure_ascii=False, sort_keys=True) for item in items]


def main() -> None:
    names = sys.argv[1:] or list(FIXTURES)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in names:
        recipe, root = FIXTURES[name]
        if not root.exists():
            print(f"{name}: {root} absent, skipped")
            continue
        lines = scan_lines(recipe, root)
        (GOLDEN / f"{name}.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        print(f"{name}: {len(lines)} lines")


if __name__ == "__main__":
    main()
