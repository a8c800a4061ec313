"""Templates are data: one YAML file per task under ``templates/``; this module loads, checks and renders them.

A template file holds the minor task name (exactly as in audioflan_tasks.csv), a short ``code`` used in sample
keys, the metadata fields it requires, its audio placeholders and where each comes from (this recording, a partner
recording chosen at plan time, or audio built by ``audio/simulate.py``), at least 20 instruction variants with the
``meaning`` words that every one of them must hold (so that a paraphrase cannot drift to another task), label and
prefix variants, the ``input`` / ``output`` patterns, and inline test cases (CONTRIBUTING.md lists every key). The
variant of each part is chosen from a hash of the instance key, so a rebuild renders every instance identically.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from audioflan_ray.errors import TemplateError
from audioflan_ray.tasks.catalog import TaskInfo, catalog

TEMPLATE_DIR = Path(__file__).with_name("templates")
# libyaml parses the 80 templates ~10x faster than pure Python (every worker loads them once); same safe subset.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MIN_INSTRUCTIONS = 20
PLACEHOLDERS_FIXED = {"audio_label", "text_label", "prefix"}
SOA, EOA = "<|SOA|>", "<|EOA|>"
AUDIO_REF = re.compile(r"<\|SOA\|>([^<]+)<\|EOA\|>")
CODE_RE = re.compile(r"^[a-z0-9]+$")
SLOT_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MATCH_MODES = ("same", "different", "balanced")
POOLS = ("same", "noise")
COMPARE_ANSWERS = {"equal": ("same", "different"), "greater": ("first", "second")}
DOMAINS = ("speech", "music", "audio")
#: content_answers rules -> the answers a template must give (audio/content.py holds the rules themselves)
CONTENT_RULES = {
    "speech_presence": ("speech", "no_speech"),
    "content_class": ("speech", "silence", "music", "noise"),
}


def audio_ref(audio_id: str) -> str:
    return f"{SOA}{audio_id}{EOA}"


@dataclass(frozen=True)
class Related:
    """An audio source read from metadata: a recording's ``target_audio`` or one of its ``stems``."""

    owner: str  # "self" or a partner role
    field: str  # "target_audio" | "stems"
    label: str | None = None  # the stem: a label, or "{field}" for the label a metadata field names


def parse_related(src: str) -> Related | None:
    """``meta.target_audio``, ``meta.stems.<label>``, ``meta.stems.{field}``, ``partner.<role>.target_audio``."""
    parts = src.split(".")
    if parts[:2] == ["meta", "target_audio"] and len(parts) == 2:
        return Related("self", "target_audio")
    if parts[:2] == ["meta", "stems"] and len(parts) >= 3 and all(parts[2:]):
        return Related("self", "stems", ".".join(parts[2:]))
    if len(parts) == 3 and parts[0] == "partner" and parts[2] == "target_audio":
        return Related(parts[1], "target_audio")
    return None


def related_path(src: str, meta: dict[str, Any], partner_meta: dict[str, dict[str, Any]]) -> str | None:
    """The corpus-relative path a related source names for this recording (None where its metadata has none)."""
    r = parse_related(src)
    if r is None:
        return None
    m = meta if r.owner == "self" else partner_meta.get(r.owner) or {}
    if r.field == "target_audio":
        return str(m["target_audio"]) if m.get("target_audio") else None
    stems = m.get("stems") or "{}"
    stems = json.loads(stems) if isinstance(stems, str) else stems
    label = str(meta.get(r.label[1:-1], "")) if r.label and r.label.startswith("{") else r.label
    path = stems.get(label) if isinstance(stems, dict) else None
    return str(path) if path else None


@dataclass(frozen=True)
class PartnerSpec:
    """Another recording an instance uses, chosen at plan time in the same dataset and split (or the noise pool)."""

    role: str
    pool: str  # "same": this recording's dataset; "noise": the dataset named by audio.simulate.noise
    requires: tuple[str, ...]  # fields the partner must carry
    match: tuple[tuple[str, str], ...]  # (field, same | different | balanced)
    optional: bool  # the builder can do without it (e.g. generated noise)

    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.requires, *(f for f, _ in self.match)]))


@dataclass(frozen=True)
class Template:
    minor: str
    code: str
    info: TaskInfo
    requires: tuple[str, ...]
    slots: dict[str, str]  # audio placeholder -> "self" | "built" | "partner.<role>" | a related source
    members: dict[str, str]  # audio placeholder -> member suffix (input.flac, input2.flac, output.flac ...)
    per_segment: bool  # whether the labels stay true for a window cut out of a longer recording
    instructions: tuple[str, ...]
    audio_labels: tuple[str, ...]
    text_labels: tuple[str, ...]
    prefixes: tuple[str, ...]
    input: str
    output: str
    tests: tuple[dict[str, Any], ...]
    path: str
    accepts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rejects: dict[str, tuple[str, ...]] = field(default_factory=dict)  # values a required field must not take
    feeds_from: tuple[str, ...] = ()
    partners: tuple[PartnerSpec, ...] = ()
    build: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    compare: dict[str, Any] | None = None  # {field, op, answers}
    content_answers: dict[str, Any] | None = None  # {rule, answers}: {content_answer} from the measured segment
    choices: dict[str, Any] | None = None  # {field, count}
    real_slots: dict[str, str] = field(default_factory=dict)  # the corpus's own pair, where a recording has one
    meaning: tuple[str, ...] = ()  # words or stems, lower case, of which every instruction holds at least one
    # Closed-set speaker identification: test speakers must be seen in training, so the build splits this task's
    # instances by a hash of the recording within each speaker instead of taking the recipe's held-out-speaker split.
    split_within_speaker: bool = False

    @property
    def generation(self) -> bool:
        """Audio-FLAN's rule: audio out -> generation, else understanding."""
        return any(self.members[s].startswith("output") for s in self.slots)

    @property
    def audio_side(self) -> str:
        return "output" if self.generation else "input"

    @property
    def kind(self) -> str:
        if self.build:
            return "built"
        if self.partners:
            return "pair"
        return "label"

    def slots_for(self, meta: dict[str, Any], partner_meta: dict[str, dict[str, Any]]) -> dict[str, str]:
        """The audio sources of one instance: ``real_audio`` where the recording (and its partners) carry every
        related signal it reads (nothing is built then), else ``audio``."""
        related = [s for s in self.real_slots.values() if parse_related(s)]
        if related and all(related_path(s, meta, partner_meta) for s in related):
            return self.real_slots
        return self.slots

    def variant(self, key: str) -> int:
        """Index of the instruction variant ``render`` picks for ``key``."""
        return int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "big") % len(self.instructions)

    def eligible(self, meta: dict[str, Any]) -> str | None:
        """Why a recording with ``meta`` cannot feed this task (None when it can)."""
        missing = [f for f in self.requires if meta.get(f) in (None, "")]
        if missing:
            return ",".join(missing)
        return self.refuses(meta)

    def refuses(self, meta: dict[str, Any]) -> str | None:
        """Why ``meta``'s values break the ``accepts`` / ``rejects`` rules (None when they keep them); a field the
        meta lacks breaks no rule. The rules hold for this recording and for its partners from the same dataset."""
        for f, allowed in self.accepts.items():
            if meta.get(f) not in (None, "") and str(meta.get(f)) not in allowed:
                return f"{f} not in {list(allowed)}"
        for f, refused in self.rejects.items():
            if str(meta.get(f)) in refused:
                return f"{f} is {meta.get(f)}"
        return None

    def render(self, key: str, audio_ids: str | dict[str, str], meta: dict[str, Any]) -> dict[str, str]:
        """instruction / input / output for one instance (variants chosen from ``key``).

        ``audio_ids`` maps each audio placeholder to its AUDIO_ID (a plain string for the one-audio form);
        ``meta`` holds this recording's fields plus the partner fields (``<role>_<field>``) and built values.
        """
        if isinstance(audio_ids, str):
            audio_ids = {next(iter(self.slots)): audio_ids}
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
        values.update({slot: audio_ref(aid) for slot, aid in audio_ids.items()})
        values.update(audio_label=audio_label, text_label=text_label, prefix=prefix)
        try:
            return {
                "instruction": instruction.format_map(values),
                "input": self.input.format_map(values),
                "output": self.output.format_map(values),
            }
        except KeyError as exc:
            raise TemplateError(f"{self.path}: placeholder {exc} has no value for {key}") from exc

    def answer(
        self,
        meta: dict[str, Any],
        partner_meta: dict[str, dict[str, Any]],
        domain: str,
        quality: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        """Values computed from labels and measurements: ``{answer}`` of a comparison; ``{content_answer}`` from the
        segment's content measurement (``quality``, what the dsp stage recorded) and the corpus's content hint."""
        out: dict[str, str] = {}
        if self.compare:
            f, op, answers = self.compare["field"], self.compare["op"], self.compare["answers"]
            other = partner_meta[self.partners[0].role].get(f)
            if op == "equal":
                out["answer"] = answers["same" if str(meta.get(f)) == str(other) else "different"]
            else:
                out["answer"] = answers["first" if float(meta[f]) > float(other) else "second"]  # type: ignore[arg-type]
        if self.content_answers:
            from audioflan_ray.audio import content

            if not quality or quality.get("speech_segments") is None:
                raise TemplateError(f"{self.minor}: the segment has no content measurement (dsp stage)")
            c = content.Content.from_json(quality)
            if self.content_answers["rule"] == "speech_presence":
                key = "speech" if content.has_speech(c, meta) else "no_speech"
            else:
                key = content.content_class(c, domain, meta)
            out["content_answer"] = self.content_answers["answers"][key]
        return out


def _related_problem(
    src: str, roles: set[str], requires: list[str], path: Path, problems: list[str], needs_field: bool
) -> bool:
    """Whether ``src`` is a related source; records what is wrong with it (unknown role, a field not required)."""
    r = parse_related(src)
    if r is None:
        return False
    if r.owner != "self" and r.owner not in roles:
        problems.append(f"{path.name}: {src}: no partner with role {r.owner!r}")
    if r.label and r.label.startswith("{") and (not r.label.endswith("}") or r.label[1:-1] not in requires):
        problems.append(f"{path.name}: {src}: a stem named by a field needs that field among requires")
    if needs_field and r.owner == "self" and r.field not in requires:
        problems.append(f"{path.name}: audio {src} needs {r.field!r} among requires (else use real_audio)")
    return True


def _content_answers(data: Any) -> dict[str, Any] | None:
    if not data:
        return None
    return {"rule": data["rule"], "answers": {str(k): str(v) for k, v in data["answers"].items()}}


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


def _meaning(data: dict[str, Any], instructions: tuple[str, ...], path: Path, problems: list[str]) -> tuple[str, ...]:
    """The ``meaning`` words in lower case; every instruction must hold one, so that a paraphrase keeps its task."""
    raw = data.get("meaning")
    if not isinstance(raw, list) or not raw or not all(isinstance(m, str) and m.strip() for m in raw):
        problems.append(f"{path.name}: meaning must list the words or stems of which every instruction holds one")
        return ()
    stems = tuple(m.strip().lower() for m in raw)
    for instr in instructions:
        if not any(stem in instr.lower() for stem in stems):
            problems.append(f"{path.name}: instruction {instr!r} holds none of the meaning words {list(stems)}")
    return stems


def _members(slots: dict[str, str], patterns: dict[str, str]) -> dict[str, str]:
    """Member suffix per audio placeholder, by side and order of appearance: input.flac, input2.flac, output.flac."""
    out: dict[str, str] = {}
    for side in ("input", "output"):
        order = [n for _, n, _, _ in string.Formatter().parse(patterns[side]) if n in slots]
        for i, slot in enumerate(order):
            out[slot] = f"{side}{i + 1 if i else ''}.flac"
    return out


ALLOWED_KEYS = {
    "minor",
    "code",
    "requires",
    "accepts",
    "rejects",
    "feeds_from",
    "audio",
    "partners",
    "build",
    "compare",
    "content_answers",
    "choices",
    "real_audio",
    "per_segment",
    "split_within_speaker",
    "instructions",
    "meaning",
    "audio_labels",
    "text_labels",
    "output_prefixes",
    "input",
    "output",
    "tests",
}


def _partners(data: dict[str, Any], path: Path, problems: list[str], fields: set[str]) -> tuple[PartnerSpec, ...]:
    out = []
    raw = data.get("partners") or []
    if not isinstance(raw, list):
        problems.append(f"{path.name}: partners must be a list")
        return ()
    for i, p in enumerate(raw):
        where = f"{path.name}: partners[{i}]"
        if not isinstance(p, dict) or not isinstance(p.get("role"), str) or not SLOT_RE.match(p["role"]):
            problems.append(f"{where}: needs a role matching {SLOT_RE.pattern}")
            continue
        unknown = set(p) - {"role", "pool", "requires", "match", "optional"}
        problems += [f"{where}: unknown key {k!r}" for k in sorted(unknown)]
        pool = p.get("pool", "same")
        if pool not in POOLS:
            problems.append(f"{where}: pool must be one of {POOLS}")
        req = p.get("requires") or []
        match = p.get("match") or {}
        if not isinstance(req, list) or not isinstance(match, dict):
            problems.append(f"{where}: requires must be a list and match a mapping")
            continue
        problems += [f"{where}: unknown metadata field {f!r}" for f in [*req, *match] if f not in fields]
        problems += [f"{where}: match mode {m!r} not in {MATCH_MODES}" for m in match.values() if m not in MATCH_MODES]
        if pool == "noise" and match:
            problems.append(f"{where}: a noise partner cannot match labels")
        out.append(
            PartnerSpec(
                role=p["role"],
                pool=pool,
                requires=tuple(req),
                match=tuple(sorted(match.items())),
                optional=bool(p.get("optional", False)),
            )
        )
    if sum(m == "balanced" for p in out for _, m in p.match) > 1:
        problems.append(f"{path.name}: at most one balanced match per template")
    return tuple(out)


def load_template(path: Path) -> Template:
    """Parse and check one template file; every problem in it is reported together."""
    from audioflan_ray.recipes.base import METADATA_FIELDS

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: top level must be a mapping")
    problems: list[str] = []
    problems += [f"{path.name}: unknown key {k!r}" for k in data if k not in ALLOWED_KEYS]
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
    problems += [f"{path.name}: requires unknown metadata field {r!r}" for r in requires if r not in METADATA_FIELDS]
    accepts = data.get("accepts") or {}
    if not isinstance(accepts, dict) or not all(isinstance(v, list) for v in accepts.values()):
        problems.append(f"{path.name}: accepts must map a field to a list of values")
        accepts = {}
    problems += [f"{path.name}: accepts unknown metadata field {f!r}" for f in accepts if f not in requires]
    rejects = data.get("rejects") or {}
    if not isinstance(rejects, dict) or not all(isinstance(v, list) for v in rejects.values()):
        problems.append(f"{path.name}: rejects must map a field to a list of values")
        rejects = {}
    problems += [f"{path.name}: rejects unknown metadata field {f!r}" for f in rejects if f not in requires]
    feeds_from = data.get("feeds_from") or ([info.domain] if info else [])
    if not isinstance(feeds_from, list) or not set(feeds_from) <= set(DOMAINS):
        problems.append(f"{path.name}: feeds_from must list domains of {DOMAINS}")
        feeds_from = []
    partners = _partners(data, path, problems, set(METADATA_FIELDS))
    roles = {p.role for p in partners}
    # The audio placeholders: the one-audio form ``audio: input|output`` is {audio} = this recording.
    side = data.get("audio")
    slots: dict[str, str] = {}
    if side in ("input", "output"):
        slots = {"audio": "self"}
    elif isinstance(side, dict) and side:
        for slot, src in side.items():
            ok = src in ("self", "built") or (isinstance(src, str) and src.startswith("partner.") and src[8:] in roles)
            ok = ok or _related_problem(str(src), roles, requires, path, problems, needs_field=True)
            if not SLOT_RE.match(str(slot)) or not ok:
                problems.append(f"{path.name}: audio slot {slot}: {src!r} must be self, built or partner.<role>")
            slots[str(slot)] = str(src)
    else:
        problems.append(f"{path.name}: audio must be 'input', 'output' or a mapping of audio placeholders")
    real = data.get("real_audio") or {}
    if not isinstance(real, dict) or (real and set(real) != set(slots)):
        problems.append(f"{path.name}: real_audio must map the same placeholders as audio ({sorted(slots)})")
        real = {}
    for slot, src in real.items():
        ok = src == "self" or (isinstance(src, str) and src.startswith("partner.") and src[8:] in roles)
        if not ok and not _related_problem(str(src), roles, requires, path, problems, needs_field=False):
            problems.append(f"{path.name}: real_audio {slot}: {src!r} must be self, partner.<role> or related audio")
    if real and not any(parse_related(str(s)) for s in real.values()):
        problems.append(f"{path.name}: real_audio reads no related audio (meta.target_audio, meta.stems.<label>...)")
    build = data.get("build")
    build_name, params = None, {}
    values: set[str] = set()
    if build is not None:
        from audioflan_ray.audio.simulate import BUILDERS

        if not isinstance(build, dict) or build.get("name") not in BUILDERS:
            problems.append(f"{path.name}: build.name must be one of {sorted(BUILDERS)}")
        else:
            b = BUILDERS[build["name"]]
            build_name, params = b.name, dict(build.get("params") or {})
            problems += [f"{path.name}: build param {k!r} unknown to {b.name}" for k in params if k not in b.params]
            values |= set(b.values)
            built_slots = {s for s, src in slots.items() if src == "built"}
            problems += [f"{path.name}: slot {s} is not an output of {b.name}" for s in built_slots - set(b.outputs)]
            for r in b.partners:
                if r not in roles and r not in b.optional_partners:
                    problems.append(f"{path.name}: builder {b.name} needs a partner with role {r!r}")
            optional = set(b.optional_partners)
            partners = tuple(
                PartnerSpec(p.role, p.pool, p.requires, p.match, p.optional or p.role in optional) for p in partners
            )
    elif any(src == "built" for src in slots.values()):
        problems.append(f"{path.name}: a built audio slot needs a build section")
    compare = data.get("compare")
    if compare is not None:
        op = compare.get("op") if isinstance(compare, dict) else None
        if op not in COMPARE_ANSWERS or not partners:
            problems.append(f"{path.name}: compare needs op equal|greater and a partner")
            compare = None
        elif set(compare.get("answers") or {}) != set(COMPARE_ANSWERS[op]) or compare.get("field") not in requires:
            problems.append(f"{path.name}: compare.answers must be {COMPARE_ANSWERS[op]} and field one of requires")
            compare = None
        else:
            values.add("answer")
    content_answers = data.get("content_answers")
    if content_answers is not None:
        rule = content_answers.get("rule") if isinstance(content_answers, dict) else None
        answers = content_answers.get("answers") if isinstance(content_answers, dict) else None
        if rule not in CONTENT_RULES or not isinstance(answers, dict) or set(answers) != set(CONTENT_RULES[rule]):
            problems.append(
                f"{path.name}: content_answers needs a rule of {sorted(CONTENT_RULES)} and answers for exactly its "
                f"keys ({', '.join(f'{r}: {list(k)}' for r, k in CONTENT_RULES.items())})"
            )
            content_answers = None
        else:
            values.add("content_answer")
    choices = data.get("choices")
    if choices is not None:
        if not isinstance(choices, dict) or choices.get("field") not in requires or int(choices.get("count", 0)) < 2:
            problems.append(f"{path.name}: choices needs a field among requires and count >= 2")
            choices = None
        else:
            values.add("choices")
    known = set(requires) | values | {f"{p.role}_{f}" for p in partners for f in p.fields()}
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
        unknown = _placeholders(value) - PLACEHOLDERS_FIXED - known - set(slots)
        problems += [f"{path.name}: {part} uses {{{u}}} which nothing provides" for u in sorted(unknown)]
    if side in ("input", "output") and "{audio}" not in patterns[str(side)]:
        problems.append(f"{path.name}: audio is '{side}' but the {side} pattern has no {{audio}}")
    members = _members(slots, patterns)
    for slot in slots:
        n = sum(_placeholders(patterns[p]) >= {slot} for p in ("input", "output"))
        if slot not in members or (patterns["input"] + patterns["output"]).count("{" + slot + "}") != 1 or n != 1:
            problems.append(f"{path.name}: audio placeholder {{{slot}}} must appear exactly once in input or output")
    if real and build_name:
        from audioflan_ray.audio.simulate import BUILDERS

        used = set().union(*(_placeholders(x) for x in (*instructions, patterns["input"], patterns["output"])))
        problems += [
            f"{path.name}: {{{v}}} comes from the builder, which a real_audio instance does not run"
            for v in sorted(used & set(BUILDERS[build_name].values))
        ]
    for instr in instructions:
        unknown = _placeholders(instr) - known
        problems += [f"{path.name}: instruction uses {{{u}}} which nothing provides" for u in sorted(unknown)]
    meaning = _meaning(data, instructions, path, problems)
    split_within_speaker = data.get("split_within_speaker", False)
    if not isinstance(split_within_speaker, bool):
        problems.append(f"{path.name}: split_within_speaker must be true or false")
    elif split_within_speaker and "speaker" not in requires:
        problems.append(f"{path.name}: split_within_speaker needs speaker among requires")
    tests = data.get("tests") or []
    if not isinstance(tests, list) or not tests:
        problems.append(f"{path.name}: at least one inline test case required")
        tests = []
    if problems:
        raise TemplateError("\n".join(problems))
    assert info is not None and isinstance(code, str)
    return Template(
        minor=info.minor,
        code=code,
        info=info,
        requires=tuple(requires),
        slots=slots,
        members=members,
        per_segment=bool(data.get("per_segment", False)),
        instructions=instructions,
        audio_labels=audio_labels,
        text_labels=text_labels,
        prefixes=prefixes,
        input=patterns["input"],
        output=patterns["output"],
        tests=tuple(tests),
        path=str(path),
        accepts={k: tuple(str(x) for x in v) for k, v in accepts.items()},
        rejects={k: tuple(str(x) for x in v) for k, v in rejects.items()},
        feeds_from=tuple(feeds_from),
        partners=partners,
        build=build_name,
        params=params,
        compare=dict(compare) if compare else None,
        content_answers=_content_answers(content_answers),
        choices={"field": choices["field"], "count": int(choices["count"])} if choices else None,
        real_slots={str(k): str(v) for k, v in real.items()},
        meaning=meaning,
        split_within_speaker=split_within_speaker is True,
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
        ids = {slot: f"corpus_rec0001_{slot}" for slot in t.slots}
        if "audio_id" in case:
            ids = {next(iter(t.slots)): case["audio_id"]}
        ids.update(case.get("audio_ids", {}))
        meta = case.get("meta", {})
        expect = case.get("expect", {})
        try:
            out = t.render(key, ids, meta)
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
        for side in ("input", "output"):
            want = [ids[s] for s in t.slots if t.members[s].startswith(side)]
            refs = AUDIO_REF.findall(out[side])
            if sorted(refs) != sorted(want):
                failures.append(f"{t.path} case {i}: {side} must reference {want} once each, got {refs}")
    return failures
