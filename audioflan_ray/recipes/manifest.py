"""Manifest — any corpus already normalized into a JSONL manifest, so that it needs no recipe of its own.

- Native layout: a JSONL file (option ``file``, default ``manifest.jsonl``, relative to the root) with one object
  per line: ``{"recording_id": str, "audio": path relative to the root, "split": "train" | "dev" | "test",
  "meta": {field: value}}``. ``meta`` is optional; its keys must be metadata fields (``METADATA_FIELDS``) and its
  values str, int or float (an empty string or null means absent). Blank lines are skipped.
- Options: ``domain`` (required: speech / music / audio; it sets this source's domain, so it lives on the
  instance; the class default ``speech`` is only what ``audioflan-ray recipes`` shows), ``source`` (the Audio-FLAN
  source field, a list of strings; default ``["manifest"]``), ``file``, ``license`` and ``citation`` (the
  corpus's licence and BibTeX entry, for the dataset card; the licence reads "unspecified" without them).
- Labels: as the manifest gives them, in vocab's words (``vocab.canonical``: ``anger`` -> ``angry``, age 29 ->
  ``twenties``, ``us`` -> ``American``, ``en`` -> ``English``, ``Dog_bark`` -> ``dog bark``...), the speaker as
  ``vocab.speaker("manifest", id)`` (``theo`` -> ``manifest_theo``), so that no manifest speaker shares a name
  with a corpus's. ``provides`` is every metadata field, so that any task of the domain may select it (a row
  lacking a task's labels is simply not used for it).
- Split: as the manifest gives it (its author decides; keep a speaker in one split unless the corpus defines
  otherwise).
- Problems, one per bad line, with the line number in its path (``manifest.jsonl:7``), in line order: not JSON
  (``bad_json``); not an object, a missing or unknown key, a bad split, an absolute or escaping audio path, a
  non-scalar meta value (``bad_line``); a meta key that is not a metadata field (``unknown_field``); a label vocab
  cannot place (``bad_label``: extend ``vocab.py`` or fix the manifest); a recording id
  seen on an earlier line (``duplicate``); an audio file not under the root (``missing_audio``).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard

from audioflan_ray import vocab
from audioflan_ray.recipes.base import (
    METADATA_FIELDS,
    SPLITS,
    Problem,
    Recipe,
    Recording,
    compact,
    register,
)
from audioflan_ray.storage import Root

DOMAINS = ("speech", "music", "audio")
_KEYS = {"recording_id", "audio", "split", "meta"}
_REQUIRED = ("recording_id", "audio", "split")


@register
class Manifest(Recipe):
    name = "manifest"
    domain = "speech"
    source = ["manifest"]
    number = 90
    # A manifest stands for any corpus: its source's options name the corpus's terms (see ``terms``).
    license = "unspecified"
    citation = ""
    provides = frozenset(METADATA_FIELDS)

    def __init__(self, root: Root, options: dict[str, Any] | None = None):
        super().__init__(root, options)
        self.file = str(self.options.get("file") or "manifest.jsonl")
        # Invalid options keep the defaults here; check_layout reports them so that the build refuses to start.
        domain = self.options.get("domain")
        if domain in DOMAINS:
            self.domain = str(domain)
        source = self.options.get("source")
        if _is_source(source):
            self.source = list(source)

    @classmethod
    def terms(cls, options: Mapping[str, Any]) -> tuple[str | None, str | None]:
        return str(options.get("license") or cls.license), str(options.get("citation") or "") or None

    def check_layout(self) -> list[str]:
        problems = []
        domain = self.options.get("domain")
        if domain is None:
            problems.append(f"manifest: option domain is required (one of {', '.join(DOMAINS)})")
        elif domain not in DOMAINS:
            problems.append(f"manifest: option domain {domain!r} is not one of {', '.join(DOMAINS)}")
        for key in ("license", "citation"):
            if key in self.options and not isinstance(self.options[key], str):
                problems.append(f"manifest: option {key} must be a string: {self.options[key]!r}")
        if "source" in self.options and not _is_source(self.options["source"]):
            problems.append(f"manifest: option source must be a non-empty list of strings: {self.options['source']!r}")
        if not self.root.exists(self.file):
            problems.append(f"manifest: no {self.file} under {self.root.uri}")
        return problems

    def scan(self) -> Iterator[Recording | Problem]:
        if not self.root.exists(self.file):
            yield Problem(self.file, "missing_manifest", f"no {self.file} under the root")
            return
        files = self.root.find("")  # one listing, not one existence check per line
        recordings: dict[str, Recording] = {}
        problems: list[Problem] = []
        for line_no, line in enumerate(self.root.read_text(self.file).splitlines(), 1):
            if not line.strip():
                continue
            where = f"{self.file}:{line_no}"
            item = _parse(line, where)
            if isinstance(item, Problem):
                problems.append(item)
            elif item.recording_id in recordings:
                problems.append(Problem(where, "duplicate", f"recording_id {item.recording_id!r} seen before"))
            elif item.audio not in files:
                problems.append(Problem(where, "missing_audio", f"{item.audio} is not under the root"))
            else:
                recordings[item.recording_id] = Recording(
                    item.recording_id, item.audio, item.split, item.meta, files[item.audio]
                )
        yield from sorted(recordings.values(), key=lambda r: r.recording_id)
        yield from problems  # in line order


def _is_source(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)


def _parse(line: str, where: str) -> Recording | Problem:
    """One manifest line as a Recording (size 0, existence unchecked), or the Problem with it."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return Problem(where, "bad_json", f"not JSON: {exc}")
    if not isinstance(obj, dict):
        return Problem(where, "bad_line", "expected a JSON object")
    missing = [k for k in _REQUIRED if not isinstance(obj.get(k), str) or not obj[k].strip()]
    if missing:
        return Problem(where, "bad_line", f"missing or non-string {', '.join(missing)}")
    unknown = sorted(set(obj) - _KEYS)
    if unknown:
        return Problem(where, "bad_line", f"unknown keys {unknown} (expected {sorted(_KEYS)})")
    if obj["split"] not in SPLITS:
        return Problem(where, "bad_line", f"split {obj['split']!r} is not one of {', '.join(SPLITS)}")
    audio = posixpath.normpath(obj["audio"].strip())
    if audio.startswith(("/", "../")) or audio in ("..", "."):
        return Problem(where, "bad_line", f"audio {obj['audio']!r} is not a path inside the root")
    meta = {} if obj.get("meta") is None else obj["meta"]
    if not isinstance(meta, dict):
        return Problem(where, "bad_line", "meta must be an object")
    unknown = sorted(set(meta) - set(METADATA_FIELDS))
    if unknown:
        return Problem(where, "unknown_field", f"meta fields {unknown} are not metadata fields")
    # bool is an int subclass, but true/false is no label value
    bad = sorted(
        k for k, v in meta.items() if v is not None and (isinstance(v, bool) or not isinstance(v, str | int | float))
    )
    if bad:
        return Problem(where, "bad_line", f"meta values of {bad} are not str, int or float")
    labels = compact(meta)
    try:
        labels = {
            k: vocab.speaker("manifest", v) if k == "speaker" else vocab.canonical(k, v) for k, v in labels.items()
        }
    except ValueError as exc:
        return Problem(where, "bad_label", f"{exc}: extend vocab.py or fix the manifest")
    return Recording(obj["recording_id"].strip(), audio, obj["split"], compact(labels))
