"""Write ``tests/golden/recipes/<name>.jsonl``: what each recipe's ``scan`` yields on its fixture corpus.

One JSON object per line, in scan order: a Recording as ``{recording_id, audio, split, meta, size}``, a Problem as
``{path, reason, message}``. Fixtures: ``audioflan_ray/demo/samples/<name>`` for the bundled corpora;
``../shared/corpora/<name>``
for GTZAN, RAVDESS and Clotho (not redistributable) and for the 5-clip ESC-50 (``esc50_shared.jsonl``).
``manifest.jsonl`` is the generic recipe over the corpus that ``write_manifest_fixture`` builds in a temporary folder
(three sample clips and a manifest with one bad line of each kind); the unit test builds the same one.

A golden file is a claim about the corpus, not a snapshot of the code: after regenerating, check the diff by eye
against the corpus's own tables (PROVENANCE.md, README) before committing it.

Usage: ``python tests/golden/make_golden.py [name ...]`` (default: every golden).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from audioflan_ray.recipes.base import Absent, Problem, Recording, registry  # noqa: E402
from audioflan_ray.storage import Root  # noqa: E402

SAMPLES = REPO / "audioflan_ray" / "demo" / "samples"
SHARED = REPO.parent / "shared" / "corpora"
GOLDEN = Path(__file__).resolve().parent / "recipes"

#: golden file stem -> (recipe name, fixture root)
FIXTURES: dict[str, tuple[str, Path]] = {
    "common_voice": ("common_voice", SAMPLES / "common_voice"),
    "esc50": ("esc50", SAMPLES / "esc50"),
    "esc50_shared": ("esc50", SHARED / "esc50"),
    "fsdd": ("fsdd", SAMPLES / "fsdd"),
    "gtzan": ("gtzan", SHARED / "gtzan"),
    "librispeech": ("librispeech", SAMPLES / "librispeech"),
    "ljspeech": ("ljspeech", SAMPLES / "ljspeech"),
    "nsynth": ("nsynth", SAMPLES / "nsynth"),
    "vctk": ("vctk", SAMPLES / "vctk"),
    "crema_d": ("crema_d", SAMPLES / "crema_d"),
    "audiomnist": ("audiomnist", SAMPLES / "audiomnist"),
    "ravdess": ("ravdess", SHARED / "ravdess"),
    "clotho": ("clotho", SHARED / "clotho"),
}


#: clip copied into the manifest fixture -> its source in samples/
MANIFEST_CLIPS = {
    "clips/fsdd/7_theo_0.wav": SAMPLES / "fsdd/recordings/7_theo_0.wav",
    "clips/audiomnist/9_42_10.wav": SAMPLES / "audiomnist/data/42/9_42_10.wav",
    "clips/crema_d/1050_TIE_SAD_XX.wav": SAMPLES / "crema_d/AudioWAV/1050_TIE_SAD_XX.wav",
}
#: the fixture manifest, line by line (a str is written as is: the blank line and the broken JSON)
MANIFEST_LINES: list[object] = [
    {
        "recording_id": "fsdd_7_theo_0",
        "audio": "clips/fsdd/7_theo_0.wav",
        "split": "test",
        "meta": {"transcript": "seven", "digit": 7, "speaker": "theo", "accent": ""},  # "" is absent
    },
    {"recording_id": "am_9_42_10", "audio": "clips/audiomnist/9_42_10.wav", "split": "train", "meta": {"age": 29}},
    {"recording_id": "crema_1050", "audio": "./clips/crema_d/1050_TIE_SAD_XX.wav", "split": "dev"},  # no meta
    "",
    '{"recording_id": "broken", "audio": ',
    {"recording_id": "mood", "audio": "clips/fsdd/7_theo_0.wav", "split": "train", "meta": {"mood": "sad"}},
    {"recording_id": "valid", "audio": "clips/fsdd/7_theo_0.wav", "split": "validation"},
    {"recording_id": "gone", "audio": "clips/fsdd/7_theo_1.wav", "split": "train"},
    {"recording_id": "fsdd_7_theo_0", "audio": "clips/fsdd/7_theo_0.wav", "split": "train"},
    {"recording_id": "text", "audio": "clips/fsdd/7_theo_0.wav", "split": "train", "text": "seven"},
    {"recording_id": "escape", "audio": "../fsdd/recordings/7_theo_0.wav", "split": "train"},
    {"recording_id": "listy", "audio": "clips/fsdd/7_theo_0.wav", "split": "train", "meta": {"transcript": ["a"]}},
    {"recording_id": "truthy", "audio": "clips/fsdd/7_theo_0.wav", "split": "train", "meta": {"digit": True}},
    ["not", "an", "object"],
    {"audio": "clips/fsdd/7_theo_0.wav", "split": "train"},
]


def write_manifest_fixture(root: Path) -> None:
    """A normalized corpus for the ``manifest`` recipe: real sample clips and a manifest with bad lines."""
    for rel, src in MANIFEST_CLIPS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / rel)
    lines = [line if isinstance(line, str) else json.dumps(line) for line in MANIFEST_LINES]
    (root / "manifest.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


#: golden file stem -> (recipe name, writer of its fixture corpus into an empty folder)
BUILT: dict[str, tuple[str, Callable[[Path], None]]] = {"manifest": ("manifest", write_manifest_fixture)}


#: Free-text labels of corpora we may not redistribute: the goldens keep a digest, not the text.
REDACTED_FIELDS = ("caption",)


def golden_dict(item: Recording | Problem | Absent) -> dict[str, Any]:
    """One scan item as a golden row (free text of non-redistributable corpora replaced by its sha1)."""
    row = dataclasses.asdict(item)
    if isinstance(item, Absent):
        row["absent"] = True
    for f in REDACTED_FIELDS:
        if isinstance(row.get("meta"), dict) and f in row["meta"]:
            row["meta"][f] = "sha1:" + hashlib.sha1(str(row["meta"][f]).encode()).hexdigest()
    return row


def scan_lines(recipe: str, root: Path) -> list[str]:
    """The golden lines for one recipe scanning ``root``."""
    items: list[Recording | Problem] = list(registry()[recipe](Root(str(root))).scan())
    return [json.dumps(golden_dict(item), ensure_ascii=False, sort_keys=True) for item in items]


def main() -> None:
    names = sys.argv[1:] or [*FIXTURES, *BUILT]
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name in BUILT:
            recipe, write = BUILT[name]
            with tempfile.TemporaryDirectory() as tmp:
                write(Path(tmp))
                lines = scan_lines(recipe, Path(tmp))
        else:
            recipe, root = FIXTURES[name]
            if not root.exists():
                print(f"{name}: {root} absent, skipped")
                continue
            lines = scan_lines(recipe, root)
        (GOLDEN / f"{name}.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        print(f"{name}: {len(lines)} lines")


if __name__ == "__main__":
    main()
