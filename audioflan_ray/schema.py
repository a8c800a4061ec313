"""The one home of the output format (``audioflan-ray/2``), the record schema and the pipeline's row columns.

Output layout (see ../shared/spec/CONTRACT.md §3, and README "Output")::

    URI/.audioflan-build.json   the ownership marker: written first, names the build that owns this folder
    URI/.audioflan-lock.json    held while a build runs (one writer)
    URI/shards/<domain>/<task code>/<split>/shard-000000.tar      WebDataset shards, full, deterministic
    URI/shards.parquet          the shard index (one row per shard)
    URI/units.parquet           where each work unit's samples landed (incremental rebuilds reuse them)
    URI/errors/*.jsonl          quarantined inputs; URI/stats.json counts; URI/README.md the dataset card
    URI/metadata/ scp_files/ audio_files/    Audio-FLAN's own release layout (optional)
    URI/manifest.json           written LAST: its presence means the build is complete

A sample is ``KEY.json`` (``RECORD_KEYS``, in that order) plus one FLAC member per entry of its ``audio`` list.
"""

from __future__ import annotations

import pyarrow as pa

FORMAT = "audioflan-ray/2"
DOMAINS = ("speech", "music", "audio")
SPLITS = ("train", "dev", "test")
SIDES = ("understanding", "generation")

# -- output layout -----------------------------------------------------------------------------------------------------
MANIFEST = "manifest.json"
SHARD_INDEX = "shards.parquet"
UNIT_INDEX = "units.parquet"
STATS = "stats.json"
CARD = "README.md"
SHARDS_DIR = "shards"
ERRORS_DIR = "errors"
MARKER = ".audioflan-build.json"
LOCK = ".audioflan-lock.json"
STAGING = "_staging"
PLAN_DIR = "_plan"
RELEASE_DIRS = ("metadata", "scp_files", "audio_files")
ENERGON_DIR = ".nv-meta"
#: Paths a build may create at the top of its output (the marker lists what a build actually wrote below them).
OWNED_TOP = (
    MARKER,
    LOCK,
    MANIFEST,
    SHARD_INDEX,
    UNIT_INDEX,
    STATS,
    CARD,
    SHARDS_DIR,
    ERRORS_DIR,
    STAGING,
    PLAN_DIR,
    "stats.png",
    *RELEASE_DIRS,
)


def folder_of(domain: str, code: str, split: str) -> str:
    """The shard folder of a task and split (homogeneous: one task, one split)."""
    return f"{domain}/{code}/{split}"


def shard_path(folder: str, index: int) -> str:
    return f"{SHARDS_DIR}/{folder}/shard-{index:06d}.tar"


# -- the record --------------------------------------------------------------------------------------------------------
RECORD_KEYS = ("instruction", "input", "output", "uuid", "split", "task_type", "domain", "source", "other", "audio")
TASK_TYPE_KEYS = ("major", "minor", "U/G", "unseen")
#: ``other`` keys every record has (null where absent); a template adds ``partners`` / ``built``, config ``features``.
OTHER_KEYS = ("dataset", "recording_id", "start_s", "end_s", "quality")

#: The shard index (``shards.parquet``): one row per shard. ``path`` is relative to the output root.
SHARD_INDEX_SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("num_samples", pa.int64()),
        ("num_bytes", pa.int64()),
        ("sha256", pa.string()),
        ("domain", pa.string()),
        ("task", pa.string()),
        ("split", pa.string()),
        ("code", pa.string()),
    ]
)

#: The unit index (``units.parquet``): per unit and folder, the byte range its samples fill in a shard (and each
#: sample's offset in it), so that an incremental build copies an unchanged unit's samples instead of rebuilding
#: them. ``summary`` is the piece's counts (JSON). One row per unit has ``folder`` "": its counts, and in ``errors``
#: its quarantined rows (JSONL).
UNIT_INDEX_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("fingerprint", pa.string()),
        ("folder", pa.string()),
        ("path", pa.string()),
        ("offset", pa.int64()),
        ("length", pa.int64()),
        ("num_samples", pa.int64()),
        ("offsets", pa.list_(pa.int64())),
        ("summary", pa.string()),
        ("errors", pa.string()),
    ]
)

# -- the plan ----------------------------------------------------------------------------------------------------------
#: One row per recording in a unit file (``_plan/units/<unit>.parquet``): what the workers need, nothing more.
PLAN_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("pos", pa.int64()),  # position within the unit: the order of its samples
        ("dataset", pa.string()),
        ("number", pa.int64()),  # the recipe's <NN>
        ("domain", pa.string()),
        ("source", pa.string()),  # JSON list
        ("recording_id", pa.string()),
        ("audio_uri", pa.string()),
        ("split", pa.string()),
        ("meta", pa.string()),  # JSON object
        ("tasks", pa.string()),  # JSON list of the minor tasks it feeds
        ("links", pa.string()),  # JSON {minor: {"partners": {role: {...}}, "choices": str}}
        ("error", pa.string()),  # "" when the row is fine
        ("fingerprint", pa.string()),  # the unit's: it decides whether a completed or earlier unit can be reused
        ("unit_size", pa.int64()),  # recordings in the unit: the last stage checks it saw all of them
    ]
)
PLAN_COLUMNS = tuple(PLAN_SCHEMA.names)
