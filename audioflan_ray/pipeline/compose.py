"""One instance from a recording: its partners' audio, the built audio, the rendered text, the audio members.

Pure functions of the row and the plan's links (no Ray): the ``map_tasks`` stage calls ``compose`` per task.
A partner used as it is keeps its own AUDIO_ID (the id its own instances carry: same window, same processing),
so the release layout stores it once; built audio gets ``<instance key>_<placeholder>``. Related audio a recording's
metadata names (``target_audio``, ``stems``: a source of a mixture, a stem) is read with the recording's own window
and gain, so the pair stays sample-aligned and at its relative level; its AUDIO_ID is the recording's plus
``_target`` / ``_stem-<label>``.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import soundfile as sf

from audioflan_ray import ids
from audioflan_ray.audio import ops
from audioflan_ray.config import Config
from audioflan_ray.errors import DataError
from audioflan_ray.storage import Root, StorageOptions, read_uri
from audioflan_ray.tasks.engine import Template, parse_related, related_path


@dataclass(frozen=True)
class PartnerAudio:
    samples: np.ndarray  # float32 mono at the requested rate
    audio_id: str
    start_s: float
    end_s: float


class PartnerLoader:
    """Reads a partner recording and processes it like the main path: decode, mono, first window, resample,
    loudness. A small LRU keeps the recent ones (noise clips and references are reused across instances)."""

    def __init__(self, cfg: Config, capacity: int = 64):
        from audioflan_ray.pipeline.stages import make_cutter

        self.cfg = cfg
        self.options = StorageOptions(endpoint_url=cfg.storage.endpoint_url, retries=cfg.storage.retries)
        self.cut = make_cutter(cfg)
        self.capacity = capacity
        self._cache: OrderedDict[tuple[str, int], PartnerAudio] = OrderedDict()
        self.roots = [(src.recipe, Root(src.root, self.options)) for src in cfg.sources]

    def corpus_root(self, dataset: str, audio_uri: str) -> Root:
        """The root of the source whose recording ``audio_uri`` is (the longest matching root of that recipe)."""
        found = [
            (len(base), root)
            for recipe, root in self.roots
            if recipe == dataset and audio_uri.startswith((base := root.uri_of("").rstrip("/")) + "/")
        ]
        if not found:
            raise DataError(
                f"{audio_uri}: no source of recipe {dataset!r} holds it (related audio is read from there)",
                "related_missing",
            )
        return max(found, key=lambda f: f[0])[1]

    def related(self, dataset: str, audio_uri: str, rel: str, span_s: tuple[float, float], rate: int) -> np.ndarray:
        """Related audio (``rel`` from the corpus root) cut to the recording's window ``span_s`` and resampled to
        ``rate`` (the caller applies the recording's gain): float32 mono."""
        uri = self.corpus_root(dataset, audio_uri).uri_of(rel)
        audio, sr = ops.decode(read_uri(uri, self.options), uri)
        mono = np.ascontiguousarray(ops.to_mono(audio, self.cfg.audio.channel), dtype=np.float32)
        seg = mono[round(span_s[0] * sr) : round(span_s[1] * sr)]
        if len(seg) == 0:
            raise DataError(
                f"{uri}: nothing in {span_s[0]}-{span_s[1]} s (is it sample-aligned with its mixture?)", "related_short"
            )
        return ops.resample(seg, sr, rate, self.cfg.audio.resampler)

    def load(self, info: dict[str, Any], rate: int, domain_rate: int) -> PartnerAudio:
        from audioflan_ray.audio import quality as q

        ck = (info["audio_uri"], rate)
        if ck in self._cache:
            self._cache.move_to_end(ck)
            return self._cache[ck]
        audio, sr = ops.decode(read_uri(info["audio_uri"], self.options), info["audio_uri"])
        mono = np.ascontiguousarray(ops.to_mono(audio, self.cfg.audio.channel), dtype=np.float32)
        if len(mono) < self.cfg.audio.min_duration_s * sr:
            raise DataError(f"partner {info['recording_id']} is shorter than audio.min_duration_s", "partner_too_short")
        wins = self.cut(mono, sr, info.get("meta") or {})
        w = wins[0]
        seg = ops.resample(mono[w.start : w.end], sr, rate, self.cfg.audio.resampler)
        if self.cfg.audio.quality.normalize_lufs is not None:
            seg = q.normalize_loudness(seg, rate, self.cfg.audio.quality.normalize_lufs)
        out = PartnerAudio(
            samples=np.asarray(seg, dtype=np.float32),
            audio_id=ids.audio_id(
                int(info["number"]),
                str(info["dataset"]),
                str(info["recording_id"]),
                w.index if len(wins) > 1 else None,
                None if rate == domain_rate else rate,
                opaque=self.cfg.build.opaque_ids,
            ),
            start_s=round(w.start / sr, 6),
            end_s=round(w.end / sr, 6),
        )
        self._cache[ck] = out
        if len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return out


@dataclass(frozen=True)
class Instance:
    text: dict[str, str]  # instruction / input / output
    audio: dict[str, str]  # AUDIO_ID -> member suffix
    members: dict[str, bytes]  # member suffix -> FLAC
    partners: list[dict[str, Any]]  # what other.partners records
    built: dict[str, Any] | None  # what other.built records
    seconds: float  # audio seconds over every member
    values: dict[str, Any]  # the values the text was rendered from (labels, computed answers)
    related: list[dict[str, Any]] = field(default_factory=list)  # what other.related records: slot, owner, path


def compose(
    t: Template,
    *,
    key: str,
    self_id: str,
    self_flac: bytes,
    self_samples: np.ndarray | None,
    rate: int,
    meta: dict[str, Any],
    domain: str,
    links: dict[str, Any],
    partners: PartnerLoader,
    quality: dict[str, Any] | None = None,
    window: tuple[str, str, float, float] | None = None,
) -> Instance:
    """``window``: (dataset, audio_uri, start_s, end_s) of this segment, where related audio is read from."""
    domain_rate = int(getattr(partners.cfg.audio.sample_rate, domain))  # the recording's domain names its ids
    values: dict[str, Any] = dict(meta)
    linked = links.get("partners") or {}
    partner_meta: dict[str, dict[str, Any]] = {role: info["meta"] for role, info in linked.items()}
    slots = t.slots_for(meta, partner_meta)
    real = slots is not t.slots  # the corpus's own pair: nothing is built, only the partners its slots read load
    wanted = {s.split(".")[1] for s in slots.values() if s.startswith("partner.")} if real else set(linked)
    partner_audio: dict[str, PartnerAudio] = {}
    for role, info in linked.items():
        values.update({f"{role}_{f}": v for f, v in info["meta"].items()})
        if role in wanted:
            partner_audio[role] = partners.load(info, rate, domain_rate)
    values.update(t.answer(meta, partner_meta, domain, quality))
    if "choices" in links:
        values["choices"] = links["choices"]
    built = None
    if t.build and not real:
        from audioflan_ray.audio import simulate

        if self_samples is None:
            self_samples, _ = sf.read(io.BytesIO(self_flac), dtype="float32")
        result = simulate.build(
            t.build,
            np.asarray(self_samples, dtype=np.float32),
            rate,
            {r: p.samples for r, p in partner_audio.items()},
            {"self": meta, **partner_meta},
            t.params,
            key,
        )
        values.update(result.values)
        built = {"builder": t.build, **result.record}
    audio_ids: dict[str, str] = {}
    level = partners.cfg.audio.flac_compression
    members: dict[str, bytes] = {}
    related: list[dict[str, Any]] = []
    for slot, src in slots.items():
        suffix = t.members[slot]
        r = parse_related(src)
        if src == "self":
            audio_ids[slot], members[suffix] = self_id, self_flac
        elif src == "built":
            samples, sr = result.audio[slot]
            audio_ids[slot], members[suffix] = ids.built_audio_id(key, slot), ops.encode_flac(samples, sr, level)
        elif r is None:
            p = partner_audio[src.split(".", 1)[1]]
            audio_ids[slot], members[suffix] = p.audio_id, ops.encode_flac(p.samples, rate, level)
        else:
            rel = related_path(src, meta, partner_meta)
            if rel is None:
                raise DataError(f"{t.minor}: {src} names no audio for this recording", "related_missing")
            if r.owner == "self":
                if self_samples is None:
                    self_samples, _ = sf.read(io.BytesIO(self_flac), dtype="float32")
                audio_ids[slot], samples = _related_of_self(
                    partners, r.label, r.field, rel, self_id, meta, window, rate
                )
                n = len(self_samples)  # sample-aligned with the recording: a resampling remainder is cut or padded
                samples = np.pad(samples[:n], (0, max(0, n - len(samples))))
                gain = 10 ** (float((quality or {}).get("gain_db", 0.0)) / 20)
                members[suffix] = ops.encode_flac(np.asarray(samples * gain, dtype=np.float32), rate, level)
            else:
                info = linked[r.owner]
                uri = partners.corpus_root(info["dataset"], info["audio_uri"]).uri_of(rel)
                p = partners.load(
                    {**info, "audio_uri": uri, "recording_id": f"{info['recording_id']}_target"}, rate, domain_rate
                )
                partner_audio[r.owner] = p
                audio_ids[slot], members[suffix] = p.audio_id, ops.encode_flac(p.samples, rate, level)
            related.append({"slot": slot, "owner": r.owner, "path": rel, "audio_id": audio_ids[slot]})
    text = t.render(key, audio_ids, values)
    used = {src.split(".")[1]: audio_ids[slot] for slot, src in slots.items() if src.startswith("partner.")}
    recorded = [
        {
            "role": role,
            "dataset": info["dataset"],
            "recording_id": info["recording_id"],
            "start_s": partner_audio[role].start_s,
            "end_s": partner_audio[role].end_s,
            "audio_id": used.get(role),
        }
        for role, info in sorted(linked.items())
        if role in partner_audio
    ]
    return Instance(
        text=text,
        audio={audio_ids[slot]: t.members[slot] for slot in slots},
        members=members,
        partners=recorded,
        built=built,
        seconds=ops.audio_seconds(members),
        values=values,
        related=related,
    )


def _related_of_self(
    partners: PartnerLoader,
    label: str | None,
    field: str,
    rel: str,
    self_id: str,
    meta: dict[str, Any],
    window: tuple[str, str, float, float] | None,
    rate: int,
) -> tuple[str, np.ndarray]:
    """AUDIO_ID and samples of this recording's related audio, cut to the same window."""
    if window is None:
        raise ValueError("related audio needs the recording's window (dataset, audio_uri, start_s, end_s)")
    dataset, audio_uri, start_s, end_s = window
    samples = partners.related(dataset, audio_uri, rel, (start_s, end_s), rate)
    if field == "target_audio":
        return f"{self_id}_target", samples
    stem = str(meta.get(label[1:-1], "")) if label and label.startswith("{") else str(label)
    return f"{self_id}_stem-{ids.safe_id(stem)}", samples
