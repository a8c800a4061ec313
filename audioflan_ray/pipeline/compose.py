"""One instance from a recording: its partners' audio, the built audio, the rendered text, the audio members.

Pure functions of the row and the plan's links (no Ray): the ``map_tasks`` stage calls ``compose`` per task.
A partner used as it is keeps its own AUDIO_ID (the id its own instances carry: same window, same processing),
so the release layout stores it once; built audio gets ``<instance key>_<placeholder>``.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import soundfile as sf

from audioflan_ray.audio import ops
from audioflan_ray.config import Config
from audioflan_ray.storage import StorageOptions, read_uri
from audioflan_ray.tasks.engine import Template


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
        self.options = StorageOptions(endpoint_url=cfg.storage.endpoint_url)
        self.cut = make_cutter(cfg)
        self.capacity = capacity
        self._cache: OrderedDict[tuple[str, int], PartnerAudio] = OrderedDict()

    def load(self, info: dict[str, Any], rate: int, domain_rate: int) -> PartnerAudio:
        from audioflan_ray.audio import quality as q
        from audioflan_ray.pipeline.stages import rate_suffix, safe_id

        ck = (info["audio_uri"], rate)
        if ck in self._cache:
            self._cache.move_to_end(ck)
            return self._cache[ck]
        audio, sr = ops.decode(read_uri(info["audio_uri"], self.options), info["audio_uri"])
        mono = np.ascontiguousarray(ops.to_mono(audio, self.cfg.audio.channel), dtype=np.float32)
        if len(mono) < self.cfg.audio.min_duration_s * sr:
            raise ValueError(f"partner {info['recording_id']} is shorter than audio.min_duration_s")
        wins = self.cut(mono, sr, info.get("meta") or {})
        w = wins[0]
        seg = ops.resample(mono[w.start : w.end], sr, rate, self.cfg.audio.resampler)
        if self.cfg.audio.quality.normalize_lufs is not None:
            seg = q.normalize_loudness(seg, rate, self.cfg.audio.quality.normalize_lufs)
        base = f"{info['dataset']}_{safe_id(info['recording_id'])}"
        if len(wins) > 1:
            base = f"{base}_w{w.index:03d}"
        out = PartnerAudio(
            samples=np.asarray(seg, dtype=np.float32),
            audio_id=rate_suffix(base, rate, domain_rate),
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
) -> Instance:
    domain_rate = int(getattr(partners.cfg.audio.sample_rate, domain))  # the recording's domain names its ids
    values: dict[str, Any] = dict(meta)
    partner_meta: dict[str, dict[str, Any]] = {}
    partner_audio: dict[str, PartnerAudio] = {}
    for role, info in (links.get("partners") or {}).items():
        partner_meta[role] = info["meta"]
        values.update({f"{role}_{f}": v for f, v in info["meta"].items()})
        partner_audio[role] = partners.load(info, rate, domain_rate)
    values.update(t.answer(meta, partner_meta, domain, quality))
    if "choices" in links:
        values["choices"] = links["choices"]
    built = None
    if t.build:
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
    ids: dict[str, str] = {}
    members: dict[str, bytes] = {}
    for slot, src in t.slots.items():
        suffix = t.members[slot]
        if src == "self":
            ids[slot], members[suffix] = self_id, self_flac
        elif src == "built":
            samples, r = result.audio[slot]
            ids[slot], members[suffix] = f"{key}_{slot}", ops.encode_flac(samples, r)
        else:
            p = partner_audio[src.split(".", 1)[1]]
            ids[slot], members[suffix] = p.audio_id, ops.encode_flac(p.samples, rate)
    text = t.render(key, ids, values)
    used = {src.split(".", 1)[1]: ids[slot] for slot, src in t.slots.items() if src.startswith("partner.")}
    recorded = [
        {
            "role": role,
            "dataset": info["dataset"],
            "recording_id": info["recording_id"],
            "start_s": partner_audio[role].start_s,
            "end_s": partner_audio[role].end_s,
            "audio_id": used.get(role),
        }
        for role, info in sorted((links.get("partners") or {}).items())
    ]
    return Instance(
        text=text,
        audio={ids[slot]: t.members[slot] for slot in t.slots},
        members=members,
        partners=recorded,
        built=built,
        seconds=ops.audio_seconds(members),
    )
