"""Templates are data: one YAML file per task under ``templates/``; this module loads, checks and renders them.

A template file holds the minor task name (exactly as in audioflan_tasks.csv), a short ``code`` used in sample
keys, the metadata fields it requires, where the recording's audio goes (``input`` for understanding, ``output``
for generation), at least 8 instruction variants, label and prefix variants, the ``input`` / ``output`` patterns,
and inline test cases. The variant of each part is chosen from a hash of the instance key, so a rebuild renders
every instance identically.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from audioflan_ray.errors import TemplateError
from audioflan_ray.tasks.catalog import TaskInfo, catalog

TEMPLATE_DIR = Path(__file__).with_name("templates")
MIN_INSTRUCTIONS = 8
PLACEHOLDERS_FIXED = {"audio", "audio_label", "text_label", "prefix"}
SOA, EOA = "<|SOA|>", "<|EOA|>"
AUDIO_REF = re.compile(r"<\|SOA\|>([^<]+)<\|EOA\|>")
CODE_RE = re.compile(r"^[a-z0-9]+$")


def audio_ref(audio_id: str) -> str:
    return f"{SOA}{audio_id}{EOA}"


@dataclass(frozen=True)
class Template:
    minor: str
    code: str
    info: TaskInfo
    requires: tuple[str, ...]
    audio_side: str  # "input" or "output"
    per_segment: bool  # whether the labels stay true for a window cut out of a longer recording
    instructions: tuple[str, ...]
    audio_labels: tuple[str, ...]
    text_labels: tuple[str, ...]
    prefixes: tuple[str, ...]
    input: str
    output: str
    tests: tuple[dict[str, Any], ...]
    path: str

    @property
    def generation(self) -> bool:
        """Audio-FLAN's rule: audio out -> generation, else understanding."""
        return self.audio_side == "output"

    def variant(self, key: str) -> int:
        """Index of the instruction variant ``render`` picks for ``key``."""
        return int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "big") % len(self.instructions)

    def render(self, key: str, audio_id: str, meta: dict[str, Any]) -> dict[str, str]:
        """instruction / input / output for one instance (variants chosen from ``key``)."""
        missing = [f for f in self.requires if meta.get(f) in (None, "")]
        if missing:
            raise TemplateError(f"{self.minor}: {key} lacks required metadata {missing}")
        h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "big")
        picks = []
        for options in (self.instructions, self.audio_labels, self.text_labels, self.prefixes):
            picks.append(options[h % len(options)])
            h //= len(options)
        instruction, audio_label, text_label, prefix = picks
        values = {k: _text(v) for k, v in meta.items()}
        values.update(audio=audio_ref(audio_id), audio_label=audio_label, text_label=text_label, prefix=prefix)
        try:
            return {
                "instruction": instruction.format_map(values),
                "input": self.input.format_map(values),
                "output": self.output.format_map(values),
            }
        except KeyError as exc:
            raise TemplateError(f"{self.path}: placeholder {exc} has no value for {key}") from exc


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _placeholders(pattern: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(pattern) if name}


def _strings(data: dict[str, Any], key: str, path: Path, problems: list[str], default: list[str]) -> tuple[str, ...]:
    value = data.get(key, default)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(f"{path.name}: {key} must be a non-empty list of strings")
        return tuple(default) or ("",)
    return tuple(value)


def load_template(path: Path) -> Template:
    """Parse and check one template file; every problem in it is reported together."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: top level must be a mapping")
    problems: list[str] = []
    allowed = {
        "minor",
        "code",
        "requires",
        "audio",
        "per_segment",
        "instructions",
        "audio_labels",
        "text_labels",
        "output_prefixes",
        "input",
        "output",
        "tests",
    }
    problems += [f"{path.name}: unknown key {k!r}" for k in data if k not in allowed]
    minor = data.get("minor")
    info = catalog().get(minor) if isinstance(minor, str) else None
    if info is None:
        problems.append(f"{path.name}: minor {minor!r} is not a task of audioflan_tasks.csv")
    code = data.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append(f"{path.name}: code must match {CODE_RE.pattern}")
    requires = data.get("requires") or []
    if not isinstance(requires, list):
        problems.append(f"{path.name}: requires must be a list")
        requires = []
    from audioflan_ray.recipes.base import METADATA_FIELDS

    problems += [f"{path.name}: requires unknown metadata field {r!r}" for r in requires if r not in METADATA_FIELDS]
    side = data.get("audio")
    if side not in ("input", "output"):
        problems.append(f"{path.name}: audio must be 'input' or 'output'")
    instructions = _strings(data, "instructions", path, problems, [])
    if len(instructions) < MIN_INSTRUCTIONS:
        problems.append(f"{path.name}: {len(instructions)} instructions, at least {MIN_INSTRUCTIONS} required")
    if len(set(instructions)) != len(instructions):
        problems.append(f"{path.name}: duplicate instructions")
    audio_labels = _strings(data, "audio_labels", path, problems, [""])
    text_labels = _strings(data, "text_labels", path, problems, [""])
    prefixes = _strings(data, "output_prefixes", path, problems, [""])
    patterns = {}
    for part in ("input", "output"):
        value = data.get(part)
        if not isinstance(value, str) or not value:
            problems.append(f"{path.name}: {part} pattern required")
            value = ""
        patterns[part] = value
        unknown = _placeholders(value) - PLACEHOLDERS_FIXED - set(requires)
        problems += [f"{path.name}: {part} uses {{{u}}} which is not in requires" for u in sorted(unknown)]
    if side in ("input", "output") and "{audio}" not in patterns[side]:
        problems.append(f"{path.name}: audio is '{side}' but the {side} pattern has no {{audio}}")
    for instr in instructions:
        unknown = _placeholders(instr) - set(requires)
        problems += [f"{path.name}: instruction uses {{{u}}} which is not in requires" for u in sorted(unknown)]
    tests = data.get("tests") or []
    if not isinstance(tests, list) or not tests:
        problems.append(f"{path.name}: at least one inline test case required")
        tests = []
    if problems:
        raise TemplateError("\n".join(problems))
    assert info is not None and isinstance(code, str) and isinstance(side, str)
    return Template(
        minor=info.minor,
        code=code,
        info=info,
        requires=tuple(requires),
        audio_side=side,
        per_segment=bool(data.get("per_segment", False)),
        instructions=instructions,
        audio_labels=audio_labels,
        text_labels=text_labels,
        prefixes=prefixes,
        input=patterns["input"],
        output=patterns["output"],
        tests=tuple(tests),
        path=str(path),
    )


@lru_cache(maxsize=1)
def templates() -> dict[str, Template]:
    """minor task name -> Template, for every file under ``templates/`` (cached per process)."""
    out: dict[str, Template] = {}
    codes: dict[str, str] = {}
    for path in sorted(TEMPLATE_DIR.glob("*.yaml")):
        t = load_template(path)
        if t.minor in out:
            raise TemplateError(f"{path}: task {t.minor!r} already defined in {out[t.minor].path}")
        if t.code in codes:
            raise TemplateError(f"{path}: code {t.code!r} already used by {codes[t.code]}")
        out[t.minor] = t
        codes[t.code] = t.minor
    return out


def run_inline_tests(t: Template) -> list[str]:
    """Run a template's own test cases; returns failures (empty when all pass)."""
    failures = []
    for i, case in enumerate(t.tests):
        key = case.get("key", f"test_{i}")
        audio_id = case.get("audio_id", "corpus_rec0001")
        meta = case.get("meta", {})
        expect = case.get("expect", {})
        try:
            out = t.render(key, audio_id, meta)
        except TemplateError as exc:
            if expect.get("error"):
                continue
            failures.append(f"{t.path} case {i}: {exc}")
            continue
        if expect.get("error"):
            failures.append(f"{t.path} case {i}: expected an error, got {out}")
        for field_name in ("instruction", "input", "output"):
            value = out[field_name]
            for check, arg in expect.items():
                if not check.startswith(field_name + "_"):
                    continue
                op = check[len(field_name) + 1 :]
                ok = {
                    "equals": lambda v, a: v == a,
                    "endswith": lambda v, a: v.endswith(a),
                    "contains": lambda v, a: a in v,
                    "matches": lambda v, a: re.fullmatch(a, v) is not None,
                }.get(op, lambda v, a: False)(value, arg)
                if not ok:
                    failures.append(f"{t.path} case {i}: {check} {arg!r} failed on {value!r}")
        refs = AUDIO_REF.findall(out[t.audio_side])
        if refs != [audio_id]:
            failures.append(f"{t.path} case {i}: {t.audio_side} must reference {audio_id} once, got {refs}")
    return failures
