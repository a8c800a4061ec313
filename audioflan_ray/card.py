"""The dataset card: ``README.md`` at the output root, in Hugging Face's dataset card format.

The YAML header holds one ``configs`` entry per task folder (its config name is the task's code, with a
``data_files`` pattern per split), so ``datasets.load_dataset(OUTPUT, "<code>")`` loads one task with its splits, and
its ``dataset_info`` features: ``datasets`` would otherwise type the columns from the first five rows of the first
split only, and a value null there (a partner without audio, noise generated for a split without noise clips) but
set in a later row or split fails the load. The types are the union of what the first records of every split folder
hold. Then the licences of the source corpora (Hugging Face licence ids, ``other`` where the Hub has none), the
Hub task categories and the size category. The body: counts per domain, task and split, the stats plot, the
licences with non-commercial terms flagged, how it was built (command, build id, resolved config) and the
citations of Audio-FLAN and of every source corpus.
"""

from __future__ import annotations

import json
import re
import shlex
import tarfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from audioflan_ray.config import Config, redacted
from audioflan_ray.recipes.base import registry
from audioflan_ray.schema import FORMAT, SPLITS
from audioflan_ray.storage import Root
from audioflan_ray.tasks.engine import Template, templates

STATS_PLOT = "stats.png"

AUDIO_FLAN_CITATION = r"""@article{xue2025audioflan,
  title = {Audio-FLAN: A Preliminary Release},
  author = {Xue, Liumeng and Zhou, Ziya and Pan, Jiahao and Li, Zixuan and Fan, Shuai and Ma, Yinghao and
            Cheng, Sitong and Yang, Dongchao and Guo, Haohan and Xiao, Yujia and Wang, Xinsheng and Shen, Zixuan and
            Zhu, Chuanbo and Zhang, Xinshen and Liu, Tianchi and Yuan, Ruibin and Tian, Zeyue and Liu, Haohe and
            Benetos, Emmanouil and Zhang, Ge and Guo, Yike and Xue, Wei},
  journal = {arXiv preprint arXiv:2502.16584},
  year = {2025}
}"""

#: Licence ids the Hugging Face Hub knows (lower-cased SPDX ids, with the Hub's own names for the ODC licences).
HUB_LICENSES = frozenset(
    {
        "apache-2.0",
        "mit",
        "bsd-2-clause",
        "bsd-3-clause",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "cdla-sharing-1.0",
        "gpl-3.0",
        "lgpl-3.0",
        "mpl-2.0",
        "odbl",
        "odc-by",
        "pddl",
        "unlicense",
    }
)
HUB_ALIASES = {"odbl-1.0": "odbl", "odc-by-1.0": "odc-by", "pddl-1.0": "pddl"}
# CC "-NC-" ids, and licences that say so in words (a research-only corpus is not cleared for commercial use either).
NON_COMMERCIAL = re.compile(r"(^|-)NC(-|$)|non-commercial|noncommercial|research use", re.IGNORECASE)
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)
# Hub task categories of understanding tasks, by Audio-FLAN major task; the rest answer in free text.
CLASSIFICATION_MAJORS = frozenset(
    {
        "Paralinguistic Attribute Recognition",
        "Speaker Recognition",
        "Speech Detection",
        "Global MIR",
        "Audio Event Recognition",
        "Audio Classification",
        "Audio Detection",
    }
)
CREDENTIALS = re.compile(r"://[^/@\s]+@")
SAMPLED_RECORDS = 64  # records read per split folder to type its config
READERS = 16
#: Members typed in a config's features; a folder with others (``features.npy``) is left to ``datasets``' inference.
TYPED_MEMBERS = re.compile(r"json|([a-z0-9_]+\.)?flac")

#: A JSON value's type: a leaf ("null", "bool", "int64", "float64", "string"), ("list", item type), or a struct
#: (dict of field types, in order).
JsonType = str | tuple[str, Any] | dict[str, Any]


@dataclass(frozen=True)
class Terms:
    """A source corpus's licence and citation, as its recipe (or, for a generic recipe, its options) declares."""

    recipe: str
    license: str | None
    citation: str | None

    @property
    def non_commercial(self) -> bool:
        return self.license is None or self.license == "unspecified" or bool(NON_COMMERCIAL.search(self.license))

    @property
    def hub_license(self) -> str:
        if not self.license:
            return "unknown"
        lic = self.license.lower()
        lic = HUB_ALIASES.get(lic, lic)
        return lic if lic in HUB_LICENSES else "other"


def source_terms(cfg: Config) -> list[Terms]:
    """One entry per distinct (recipe, licence, citation) among the configured sources, in config order."""
    recipes = registry()
    seen: dict[tuple[str, str | None, str | None], Terms] = {}
    for src in cfg.sources:
        cls = recipes.get(src.recipe)
        lic, cit = cls.terms(dict(src.options)) if cls else (None, None)
        seen.setdefault((src.recipe, lic, cit), Terms(src.recipe, lic, cit))
    return list(seen.values())


def size_category(n: int) -> str:
    for bound, name in SIZE_CATEGORIES:
        if n < bound:
            return name
    return "n>1B"


def task_category(t: Template) -> str:
    """The Hub task category of one task: what goes in and what comes out."""
    if t.generation:
        audio_in = any(not t.members[s].startswith("output") for s in t.slots)
        if audio_in:
            return "audio-to-audio"
        return "text-to-speech" if t.info.domain == "speech" else "text-to-audio"
    if t.info.major == "Speech Recognition":
        return "automatic-speech-recognition"
    if t.minor == "Voice Activity Detection":
        return "voice-activity-detection"
    return "audio-classification" if t.info.major in CLASSIFICATION_MAJORS else "audio-text-to-text"


def configs(shards: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One config per task folder: name = the task's code; a glob of its shards per split (train, dev, test)."""
    splits: dict[str, dict[str, str]] = {}
    for row in shards:
        path = str(row["path"])
        splits.setdefault(str(row["code"]), {})[str(row["split"])] = path.rsplit("/", 1)[0] + "/*.tar"
    return [
        {
            "config_name": code,
            "data_files": [{"split": s, "path": by_split[s]} for s in SPLITS if s in by_split],
        }
        for code, by_split in sorted(splits.items())
    ]


def json_type(value: Any) -> JsonType:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        item: JsonType = "null"
        for v in value:
            item = merge_types(item, json_type(v))
        return ("list", item)
    return {str(k): json_type(v) for k, v in value.items()}


def merge_types(a: JsonType, b: JsonType) -> JsonType:
    """The narrowest type holding both: null gives way to anything, int to float; mixed kinds become strings."""
    if a == "null":
        return b
    if b == "null":
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = merge_types(out[k], v) if k in out else v
        return out
    if isinstance(a, tuple) and isinstance(b, tuple):
        return ("list", merge_types(a[1], b[1]))
    if isinstance(a, str) and isinstance(b, str) and {a, b} == {"int64", "float64"}:
        return "float64"
    return a if a == b else "string"


def _yaml_inner(t: JsonType) -> Any:
    if isinstance(t, dict):
        return [{"name": k, **_yaml_field(v)} for k, v in t.items()]
    if isinstance(t, tuple):
        return {"list": _yaml_inner(t[1])}
    return t


def _yaml_field(t: JsonType) -> dict[str, Any]:
    """One feature in the YAML form of ``datasets.Features``."""
    if isinstance(t, dict):
        return {"struct": _yaml_inner(t)}
    if isinstance(t, tuple):
        return {"list": _yaml_inner(t[1])}
    return {"dtype": t}


def sample_records(out: Root, path: str, limit: int = SAMPLED_RECORDS) -> tuple[set[str], list[dict[str, Any]]]:
    """The member suffixes and the first ``limit`` JSON records of one shard (read from its start)."""
    members: set[str] = set()
    records: list[dict[str, Any]] = []
    with out.open(path, "rb") as f, tarfile.open(fileobj=f, mode="r|") as tar:
        for member in tar:
            _, dot, suffix = member.name.rsplit("/", 1)[-1].partition(".")
            if not dot:
                continue
            members.add(suffix)
            if suffix == "json":
                data = tar.extractfile(member)
                records.append(json.loads(data.read() if data else b"{}"))
                if len(records) >= limit:
                    break
    return members, records


def config_features(out: Root, shards: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Config name -> its features (YAML form), typed from the first records of the first shard of each split."""
    first: dict[str, str] = {}
    for row in sorted(shards, key=lambda r: str(r["path"])):
        first.setdefault(str(row["path"]).rsplit("/", 1)[0], str(row["path"]))
    with ThreadPoolExecutor(READERS) as pool:
        seen = dict(zip(first, pool.map(lambda p: sample_records(out, p), first.values()), strict=True))
    by_code: dict[str, tuple[set[str], JsonType]] = {}
    for folder, (members, records) in seen.items():
        code = folder.split("/")[-2]
        known, record = by_code.get(code, (set(), "null"))
        for rec in records:
            record = merge_types(record, json_type(rec))
        by_code[code] = (known | members, record)
    out_features: dict[str, list[dict[str, Any]]] = {}
    for code, (members, record) in sorted(by_code.items()):
        if not all(TYPED_MEMBERS.fullmatch(m) for m in members) or not isinstance(record, dict):
            continue
        fields = [{"name": m, **(_yaml_field(record) if m == "json" else {"dtype": "audio"})} for m in sorted(members)]
        out_features[code] = [*fields, {"name": "__key__", "dtype": "string"}, {"name": "__url__", "dtype": "string"}]
    return out_features


def build_command(argv: Sequence[str]) -> str | None:
    """The command line that ran this build, as typed (credentials in URLs masked); None when the build did not
    come in through the command line or a job entrypoint (a library call)."""
    if not argv:
        return None
    prog = Path(argv[0])
    if prog.name == "audioflan-ray":
        words = ["audioflan-ray", *argv[1:]]
    elif prog.parent.name == "audioflan_ray" and prog.name == "__main__.py":
        words = ["python", "-m", "audioflan_ray", *argv[1:]]
    elif prog.parent.name == "ray_jobs" and prog.suffix == ".py":
        words = ["python", f"ray_jobs/{prog.name}", *argv[1:]]
    else:
        return None
    return CREDENTIALS.sub("://***@", shlex.join(words))


def header(
    cfg: Config,
    shards: Sequence[Mapping[str, Any]],
    stats: Mapping[str, Any],
    features: Mapping[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    terms = source_terms(cfg)
    by_code = {t.code: t for t in templates().values()}
    licenses = sorted({t.hub_license for t in terms})
    head: dict[str, Any] = {
        "pretty_name": "Audio-FLAN-style instruction data (audioflan-ray)",
        "license": licenses,
    }
    if "other" in licenses or "unknown" in licenses:
        head["license_name"] = "per-source"
        head["license_details"] = "Each source corpus keeps its own licence: see the Licences section."
    codes = sorted({str(r["code"]) for r in shards})
    head["task_categories"] = sorted({task_category(by_code[c]) for c in codes if c in by_code})
    head["size_categories"] = [size_category(int(stats.get("instances", 0)))]
    head["tags"] = ["audio", "instruction-tuning", "audio-flan", "webdataset"]
    head["configs"] = configs(shards)
    head["dataset_info"] = [{"config_name": code, "features": f} for code, f in sorted(features.items())]
    return head


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.3f}"


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
    return out


def render(
    cfg: Config,
    shards: Sequence[Mapping[str, Any]],
    stats: Mapping[str, Any],
    build_id: str,
    command: str | None,
    features: Mapping[str, list[dict[str, Any]]],
) -> str:
    """The whole card (``features``: from ``config_features``)."""
    head = header(cfg, shards, stats, features)
    terms = source_terms(cfg)
    by_code = {t.code: t for t in templates().values()}
    code_of = {t.minor: t.code for t in templates().values()}
    first = head["configs"][0]["config_name"] if head["configs"] else "<code>"
    lines = ["---", yaml.safe_dump(head, sort_keys=False, allow_unicode=True, width=120).rstrip(), "---", ""]
    lines += [
        "# Audio-FLAN-style instruction data",
        "",
        f"Instruction / input / output records over audio in the style of Audio-FLAN (format `{FORMAT}`), built by "
        f"audioflan-ray from {len(terms)} source corpora: **{stats.get('instances', 0)} instances**, "
        f"{float(stats.get('audio_hours', 0.0)):.3f} hours of audio, {stats.get('shards', 0)} WebDataset shards, "
        f"{stats.get('errors', {}).get('total', 0)} inputs quarantined.",
        "",
        "Every task and split is a folder of shards, `shards/<domain>/<code>/<split>/shard-NNNNNN.tar`, in which every "
        "sample has the same members (`KEY.json` and its `KEY.<role>.flac` audio) and the same JSON structure. "
        "Each task folder is one config below, and one Megatron-Energon dataset (`.nv-meta/`).",
        "",
        "```python",
        "import datasets",
        f'ds = datasets.load_dataset("path/to/this/folder", "{first}")  # config = task code; splits train/dev/test',
        "```",
        "",
        "## Contents",
        "",
        f"![Instances per task, domain, source and split]({STATS_PLOT})",
        "",
    ]
    lines += _table(
        ["domain", "instances", "audio hours"],
        [[d, v["instances"], _hours(v["audio_seconds"])] for d, v in stats.get("by_domain", {}).items()],
    )
    lines.append("")
    per_split = stats.get("by_task_split", {})
    rows = []
    for task, v in stats.get("by_task", {}).items():
        code = code_of.get(task, "")
        t = by_code.get(code)
        counts = per_split.get(task, {})
        rows.append(
            [
                f"`{code}`",
                t.info.domain if t else "",
                task,
                *(counts.get(s, 0) for s in SPLITS),
                v["instances"],
                _hours(v["audio_seconds"]),
            ]
        )
    lines += _table(["config", "domain", "task", *SPLITS, "instances", "audio hours"], rows)
    lines.append("")
    lines += _table(
        ["split", "instances", "audio hours"],
        [[s, v["instances"], _hours(v["audio_seconds"])] for s, v in stats.get("by_split", {}).items()],
    )
    lines += ["", "## Licences", ""]
    lines.append(
        "The instances carry audio and labels of the source corpora, each under its own licence; whoever uses this "
        "dataset is bound by all of them."
    )
    lines.append("")
    lines += _table(
        ["source", "licence", "commercial use"],
        [
            [
                t.recipe,
                t.license or "not declared",
                "**no: non-commercial / research only**" if t.non_commercial else "allowed (see the licence)",
            ]
            for t in terms
        ],
    )
    restricted = [t.recipe for t in terms if t.non_commercial]
    if restricted:
        lines += [
            "",
            f"> **Non-commercial terms apply**: {', '.join(restricted)}. Leave these sources out of the build for a "
            "dataset that may be used commercially.",
        ]
    lines += ["", "## Build", "", f"- build id: `{build_id}`", f"- format: `{FORMAT}`"]
    if command:
        lines += ["- command:", "", "```bash", command, "```"]
    else:
        lines.append("- built through the library (`run_build`); `audioflan-ray build -c config.yaml` with the config")
        lines.append("  below builds the same dataset")
    config_yaml = yaml.safe_dump(redacted(cfg), sort_keys=False, allow_unicode=True, width=120).rstrip()
    lines += [
        "",
        "<details><summary>Resolved config (also in manifest.json)</summary>",
        "",
        "```yaml",
        config_yaml,
        "```",
        "",
        "</details>",
    ]
    lines += ["", "## Citation", "", "Audio-FLAN, and every source corpus of this build:", "", "```bibtex"]
    lines.append(AUDIO_FLAN_CITATION)
    for term in terms:
        lines += ["", term.citation.strip() if term.citation else f"% {term.recipe}: no citation declared"]
    lines += ["```", ""]
    return "\n".join(lines)
