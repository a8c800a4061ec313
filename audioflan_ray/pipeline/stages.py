"""The stages of a build as pure row functions, plus the small contract the Ray adapter needs.

A stage maps one row (a dict of column values) to zero or more rows. It declares the columns it needs, the
columns it adds and the ones it drops, so the pipeline is checked when it is built, before anything runs. A row
that fails gets an ``error`` (JSON: stage, type, message) and flows on untouched to the sink, which quarantines it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from audioflan_ray import ids
from audioflan_ray.audio import ops
from audioflan_ray.config import Config
from audioflan_ray.errors import DataError, NotFeedable
from audioflan_ray.recipes.base import hash_split
from audioflan_ray.schema import PLAN_COLUMNS, PLAN_SCHEMA
from audioflan_ray.storage import StorageOptions, read_uri
from audioflan_ray.tasks.engine import Template, templates

#: Every column a row may carry, with its Arrow type (one schema for every block, error rows included).
COLUMN_TYPES: dict[str, pa.DataType] = {
    **{f.name: f.type for f in PLAN_SCHEMA},
    "data": pa.binary(),
    "samples": pa.binary(),  # float32 mono at ``sample_rate``
    "sample_rate": pa.int64(),
    "duration_s": pa.float64(),  # of the whole recording
    "seg_index": pa.int64(),
    "seg_count": pa.int64(),
    "start_s": pa.float64(),
    "end_s": pa.float64(),
    "quality": pa.string(),  # JSON: the segment's quality metrics
    "features": pa.binary(),  # .npy bytes, when audio.features.kind is set
    "alt": pa.map_(pa.int64(), pa.binary()),  # other rates some tasks need: float32 samples, then FLAC
    "flac": pa.binary(),  # the segment at its main rate
    "members": pa.map_(pa.string(), pa.binary()),  # an instance's audio members: suffix -> FLAC
    "key": pa.string(),
    "folder": pa.string(),
    "sample": pa.binary(),  # the sample's JSON
    "order": pa.int64(),  # position of the instance within its recording (segment, task)
    "task": pa.string(),
    "audio_seconds": pa.float64(),
    "label": pa.string(),  # the answer's label (for the per-task label distribution), "" for free text
    "variant": pa.int64(),  # the instruction variant
    "not_fed": pa.string(),  # "<reason>" when this recording cannot make this task's instance (not an error)
}
__all__ = ["PLAN_COLUMNS"]

log = logging.getLogger(__name__)
Row = dict[str, Any]
RowFn = Callable[[Row], list[Row]]


@dataclass(frozen=True)
class Stage:
    """A named step: ``setup(cfg)`` builds the row function once per worker (heavy state lives there)."""

    name: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    drops: tuple[str, ...]
    setup: Callable[[Config], RowFn]
    batched: bool = False  # the function takes and returns a list of rows (e.g. one GPU call per batch)


def error_json(stage: str, exc: BaseException | str, reason: str | None = None) -> str:
    """The error column of a quarantined row: its stage, reason and message."""
    if isinstance(exc, BaseException):
        return json.dumps({"stage": stage, "type": reason or type(exc).__name__, "message": str(exc)})
    return json.dumps({"stage": stage, "type": reason or "error", "message": exc})


# -- read -------------------------------------------------------------------------------------------------------


def setup_read(cfg: Config) -> RowFn:
    options = StorageOptions(endpoint_url=cfg.storage.endpoint_url, retries=cfg.storage.retries)

    def read(row: Row) -> list[Row]:
        data = read_uri(row["audio_uri"], options)  # transient faults retried, then raised; a missing file: DataError
        if not data:
            raise DataError(f"{row['audio_uri']}: empty file", "empty_file")
        return [{**row, "data": data}]

    return read


# -- decode + mono -------------------------------------------------------------------------------------------------


def setup_decode(cfg: Config) -> RowFn:
    channel = cfg.audio.channel

    def decode(row: Row) -> list[Row]:
        audio, rate = ops.decode(row["data"], row["audio_uri"])
        mono = np.ascontiguousarray(ops.to_mono(audio, channel), dtype=np.float32)
        return [{**row, "samples": mono.tobytes(), "sample_rate": rate, "duration_s": len(mono) / rate}]

    return decode


# -- segment (at the source rate) ---------------------------------------------------------------------------------


def make_cutter(cfg: Config) -> Callable[[np.ndarray, int, dict[str, Any]], list[ops.Window]]:
    """How a recording is cut into windows (shared by the segment stage and the partners of paired tasks)."""
    from audioflan_ray.audio import segment as seg

    max_s, sc = cfg.audio.max_duration_s, cfg.audio.segment

    def cut(samples: np.ndarray, rate: int, meta: dict[str, Any]) -> list[ops.Window]:
        if meta.get("segments"):  # given by the corpus: used as they are
            return seg.annotated_windows(rate, [tuple(s) for s in json.loads(meta["segments"])], len(samples))
        if len(samples) <= max_s * rate:
            return [ops.Window(0, 0, len(samples))]
        if sc.mode == "fixed":
            return seg.fixed_windows(len(samples), rate, sc.length_s, sc.hop_s, sc.tail, sc.min_tail_s)
        if sc.mode == "silence":
            return seg.silence_split(samples, rate, sc.min_s, max_s, pause_s=sc.pause_s).windows
        return ops.windows(len(samples), rate, max_s)

    return cut


def setup_segment(cfg: Config) -> RowFn:
    min_s = cfg.audio.min_duration_s
    cut = make_cutter(cfg)

    def segment(row: Row) -> list[Row]:
        samples = np.frombuffer(row["samples"], dtype=np.float32)
        rate = int(row["sample_rate"])
        if len(samples) < min_s * rate:
            msg = f"{len(samples) / rate:.3f} s is shorter than audio.min_duration_s={min_s}"
            return [
                {
                    **row,
                    "samples": b"",
                    "start_s": 0.0,
                    "end_s": len(samples) / rate,
                    "error": error_json("segment", msg, "too_short"),
                }
            ]
        wins = cut(samples, rate, json.loads(row["meta"]))
        out = []
        for w in wins:
            start, end = round(w.start / rate, 6), round(w.end / rate, 6)
            if end - start < min_s:  # e.g. a kept tail shorter than the minimum
                out.append(
                    {
                        **row,
                        "samples": b"",
                        "seg_index": w.index,
                        "seg_count": len(wins),
                        "start_s": start,
                        "end_s": end,
                        "error": error_json("segment", f"window {start}-{end} s", "too_short"),
                    }
                )
                continue
            out.append(
                {
                    **row,
                    "samples": samples[w.start : w.end].tobytes(),
                    "seg_index": w.index,
                    "seg_count": len(wins),
                    "start_s": start,
                    "end_s": end,
                }
            )
        return out

    return segment


# -- dsp: resample + quality + features (one fused stage; batched on a GPU) --------------------------------------------


def setup_dsp(cfg: Config) -> RowFn:
    from audioflan_ray.audio import quality as q

    audio_cfg = cfg.audio
    qc = audio_cfg.quality
    qfilter = q.QualityFilter(qc.min_rms_dbfs, qc.max_clipping_ratio, qc.max_silence_ratio, qc.min_snr_db)
    device = audio_cfg.device
    if device == "cuda":
        from audioflan_ray.audio.gpu import device_available

        if not device_available("cuda"):
            log.warning("audio.device=cuda but no CUDA device here: resampling and features run on the CPU")
            device = "cpu"
    kind = audio_cfg.features.kind

    def features(x: list[np.ndarray], rate: int) -> list[bytes | None]:
        if kind is None:
            return [None] * len(x)
        from audioflan_ray.audio import features as feat

        if kind == "log_mel":
            mats = feat.log_mel_batch(x, rate, device, audio_cfg.features.n_mels)
        else:
            mats = [feat.kaldi_fbank(a, rate, audio_cfg.features.n_mels, device) for a in x]
        return [feat.to_npy_bytes(m) for m in mats]

    task_rates = audio_cfg.task_sample_rate
    # Tasks whose answer is measured on the segment (speech presence, content class): only their rows pay for the VAD.
    content_tasks = {t.minor for t in templates().values() if t.content_answers}

    def alt_rates(row: Row, src: np.ndarray, orig: int) -> list[tuple[int, bytes]]:
        """The segment at each other rate its tasks ask for, resampled from the source (not from the main rate)."""
        main = int(getattr(audio_cfg.sample_rate, row["domain"]))
        rates = sorted({task_rates[t] for t in json.loads(row.get("tasks") or "[]") if t in task_rates} - {main})
        return [(r, ops.resample(src, orig, r, audio_cfg.resampler).tobytes()) for r in rates]

    def finish(row: Row, audio: np.ndarray, rate: int, feats: bytes | None, src: np.ndarray, orig: int) -> Row:
        m = q.metrics(audio, rate)
        reason = qfilter.check(m)
        summary: dict[str, Any] = {
            k: round(float(m[k]), 4) for k in ("rms_dbfs", "peak_dbfs", "clipping_ratio", "silence_ratio", "snr_db")
        }
        if reason:
            msg = f"quality filter: {reason} ({json.dumps(summary)})"
            return {**row, "samples": b"", "error": error_json("dsp", msg, reason)}
        from audioflan_ray.audio import content

        if content_tasks & set(json.loads(row.get("tasks") or "[]")):
            summary.update(content.measure(audio, rate).to_json())  # the levels as recorded, before normalization
        else:  # not measured (no task of this row asks): the keys stay, null, so one folder's records share one shape
            summary.update({k: None for k in content.FIELDS if k not in summary})
        if qc.normalize_lufs is not None:
            before = float(np.max(np.abs(audio))) if len(audio) else 0.0
            audio = q.normalize_loudness(audio, rate, qc.normalize_lufs)
            # The gain applied, so that related audio (a mixture's clean source) keeps its level against the mixture.
            summary["gain_db"] = round(20 * np.log10(float(np.max(np.abs(audio))) / before), 6) if before > 0 else 0.0
        return {
            **row,
            "samples": audio.astype(np.float32).tobytes(),
            "sample_rate": rate,
            "quality": json.dumps(summary),
            "features": feats,
            "alt": alt_rates(row, src, orig),
        }

    def dsp_rows(rows: list[Row]) -> list[Row]:
        """A batch: rows grouped by (source rate, target rate) so the GPU resamples each group in one call."""
        groups: dict[tuple[int, int], list[int]] = {}
        for i, row in enumerate(rows):
            target = int(getattr(audio_cfg.sample_rate, row["domain"]))
            groups.setdefault((int(row["sample_rate"]), target), []).append(i)
        out: list[Row | None] = [None] * len(rows)
        for (orig, target), idx in groups.items():
            src = [np.frombuffer(rows[i]["samples"], dtype=np.float32) for i in idx]
            if device == "cuda":
                from audioflan_ray.audio.gpu import resample_batch

                res = resample_batch(src, orig, target, device)
            else:
                res = [ops.resample(a, orig, target, audio_cfg.resampler) for a in src]
            feats = features(res, target)
            for i, s, a, f in zip(idx, src, res, feats, strict=True):
                out[i] = finish(rows[i], a, target, f, s, orig)
        return [r for r in out if r is not None]

    return dsp_rows  # type: ignore[return-value]


# -- encode ---------------------------------------------------------------------------------------------------------


def setup_encode(cfg: Config) -> RowFn:
    level = cfg.audio.flac_compression

    def encode(row: Row) -> list[Row]:
        # Each segment is encoded once; every task instance that carries it reuses these bytes.
        samples = np.frombuffer(row["samples"], dtype=np.float32)
        alt = [(r, ops.encode_flac(np.frombuffer(b, dtype=np.float32), r, level)) for r, b in row.get("alt") or []]
        return [{**row, "flac": ops.encode_flac(samples, int(row["sample_rate"]), level), "alt": alt}]

    return encode


# -- map to task instances ------------------------------------------------------------------------------------------

#: Labels that are free text (a transcript, a caption, a time series): no label distribution is kept for them.
FREE_TEXT = frozenset(
    {
        "transcript",
        "raw_transcript",
        "caption",
        "translation",
        "phonemes",
        "pinyin",
        "lyrics",
        "notes",
        "melody",
        "events",
        "turns",
        "beats",
        "chords",
        "beat_instruments",
        "beat_pitches",
        "segments",
        "progression",
        "tags",
        "labels",
    }
)
MAX_LABEL_CHARS = 80


def answer_owner(t: Template) -> str | None:
    """The partner role whose recording is the answer (an output slot reading ``partner.<role>``), else None: the
    answer is this recording or built from it."""
    for slot, src in t.slots.items():
        if t.members[slot].startswith("output") and src.startswith("partner."):
            return src.split(".")[1]
    return None


def label_of(t: Template, meta: dict[str, Any], values: dict[str, Any]) -> str:
    """The answer's label for the per-task label distribution in stats.json ("" for free-text answers).

    A computed answer first; then a partner's value the output names (``{other_emotion}``); then the value a task asks
    for: the field a partner must differ on (Emotion Conversion's target emotion, the target language of a spoken
    translation), read from the recording that is the answer; else the first required label."""
    for computed in ("answer", "content_answer", "domain_answer"):
        if computed in values:
            return str(values[computed])[:MAX_LABEL_CHARS]
    roles = {p.role for p in t.partners}
    for name in re.findall(r"\{(\w+)\}", t.output):
        role, _, f = name.partition("_")
        if role in roles and f and f not in FREE_TEXT and values.get(name) not in (None, ""):
            return str(values[name])[:MAX_LABEL_CHARS]
    owner = answer_owner(t)
    for p in t.partners:
        for f, mode in p.match:
            value = values.get(f"{owner}_{f}") if owner else meta.get(f)
            if mode == "different" and f not in FREE_TEXT and value not in (None, ""):
                return str(value)[:MAX_LABEL_CHARS]
    for f in t.requires:
        if f not in FREE_TEXT and meta.get(f) not in (None, ""):
            return str(meta[f])[:MAX_LABEL_CHARS]
    return ""


def instance_split(t: Template, row: Row, unseen: set[str]) -> str:
    """An instance's split: ``test`` for held-out tasks; within each speaker by recording for closed-set tasks
    (speaker identification must test on voices it trained on); else the recording's own split."""
    if t.minor in unseen:
        return "test"
    if getattr(t, "split_within_speaker", False):
        return hash_split(f"{row['dataset']}/recording/{row['recording_id']}", 10, 10)
    return str(row["split"])


def setup_map_tasks(cfg: Config) -> RowFn:
    from audioflan_ray.pipeline.compose import PartnerLoader, compose

    all_templates = templates()
    task_rates = cfg.audio.task_sample_rate
    unseen = set(cfg.build.unseen)
    opaque = cfg.build.opaque_ids
    partners = PartnerLoader(cfg)
    with_features = cfg.audio.features.kind is not None

    def map_tasks(row: Row) -> list[Row]:
        meta = json.loads(row["meta"])
        candidates = json.loads(row["tasks"])
        links = json.loads(row.get("links") or "{}")
        segmented = int(row["seg_count"]) > 1
        window = int(row["seg_index"]) if segmented else None
        number, dataset, rid = int(row["number"]), str(row["dataset"]), str(row["recording_id"])
        domain_rate = int(getattr(cfg.audio.sample_rate, row["domain"]))
        quality = json.loads(row["quality"]) if row.get("quality") else None
        out: list[Row] = []
        for order, minor in enumerate(candidates):
            t = all_templates[minor]
            if segmented and not t.per_segment:
                continue  # e.g. an utterance transcript does not describe half of the utterance
            key = ids.key(number, dataset, rid, window, t.code, opaque=opaque)
            rate = task_rates.get(t.minor, int(row["sample_rate"]))
            flac = row["flac"] if rate == int(row["sample_rate"]) else dict(row["alt"] or [])[rate]
            base = {**row, "key": key, "task": t.minor, "order": int(row["seg_index"]) * 1000 + order}
            try:
                inst = compose(
                    t,
                    key=key,
                    self_id=ids.audio_id(
                        number, dataset, rid, window, None if rate == domain_rate else rate, opaque=opaque
                    ),
                    self_flac=flac,
                    self_samples=np.frombuffer(row["samples"], dtype=np.float32)
                    if rate == int(row["sample_rate"])
                    else None,
                    rate=rate,
                    meta=meta,
                    domain=row["domain"],
                    links=links.get(minor, {}),
                    partners=partners,
                    quality=quality,
                    window=(dataset, str(row["audio_uri"]), float(row["start_s"]), float(row["end_s"])),
                )
            except NotFeedable as exc:  # e.g. no energy above a bandwidth-extension cutoff: counted, not an error
                out.append({**base, "not_fed": exc.reason})
                continue
            except DataError as exc:  # a partner that does not decode: this instance is quarantined
                msg = f"{t.minor}: {exc}"
                out.append({**base, "error": error_json("map_tasks", msg, exc.reason)})
                continue
            split = instance_split(t, row, unseen)
            other: dict[str, Any] = {
                "dataset": dataset,
                "recording_id": rid,
                "start_s": float(row["start_s"]),
                "end_s": float(row["end_s"]),
                "quality": quality,
            }
            if t.partners:
                other["partners"] = inst.partners
            if t.build:
                other["built"] = inst.built
            if t.real_slots:
                other["related"] = inst.related or None  # every record of the task has the key (null: built pair)
            if with_features:
                other["features"] = "features.npy"  # a member beside the audio, same key
            sample = {
                **inst.text,
                "uuid": key,
                "split": [split],
                "task_type": {
                    "major": [t.info.major],
                    "minor": [t.minor],
                    "U/G": ["generation" if t.generation else "understanding"],
                    "unseen": t.minor in unseen,
                },
                "domain": t.info.domain,
                "source": json.loads(row["source"]),
                "other": other,
                "audio": [{"id": aid, "member": member} for aid, member in inst.audio.items()],
            }
            out.append(
                {
                    **base,
                    "split": split,
                    "members": inst.members,
                    "folder": f"{t.info.domain}/{t.code}/{split}",
                    "sample": json.dumps(sample, ensure_ascii=False).encode(),
                    "audio_seconds": inst.seconds,
                    "label": label_of(t, meta, inst.values),
                    "variant": t.variant(key),
                }
            )
        if not out:
            # not bad data: a window of a longer recording that no task of it can describe (counted in not_fed)
            return [{**row, "task": "(every task)", "not_fed": "no task holds for a window of a longer recording"}]
        return out

    return map_tasks


STAGES: tuple[Stage, ...] = (
    Stage("read", ("audio_uri",), ("data",), (), setup_read),
    Stage("decode", ("data",), ("samples", "sample_rate", "duration_s"), ("data",), setup_decode),
    Stage(
        "segment", ("samples", "sample_rate", "meta"), ("seg_index", "seg_count", "start_s", "end_s"), (), setup_segment
    ),
    Stage(
        "dsp",
        ("samples", "sample_rate", "domain", "tasks"),
        ("quality", "features", "alt"),
        (),
        setup_dsp,
        batched=True,
    ),
    Stage("encode", ("samples", "sample_rate", "alt"), ("flac",), (), setup_encode),
    Stage(
        "map_tasks",
        ("meta", "tasks", "links", "seg_index", "seg_count", "start_s", "end_s", "samples", "flac", "quality", "alt"),
        ("key", "folder", "members", "sample", "order", "task", "audio_seconds", "label", "variant", "not_fed"),
        ("meta", "tasks", "links", "quality", "alt", "samples", "flac"),
        setup_map_tasks,
    ),
)
STAGE_NAMES = tuple(s.name for s in STAGES)


def check_columns(stages: tuple[Stage, ...], start: tuple[str, ...] = PLAN_COLUMNS) -> list[str]:
    """The columns after the last stage; raises when a stage needs a column nothing before it provides."""
    cols = list(start)
    for s in stages:
        missing = [c for c in s.requires if c not in cols]
        if missing:
            raise ValueError(f"stage {s.name} needs columns {missing} that no earlier stage provides")
        cols = [c for c in cols if c not in s.drops] + [c for c in s.provides if c not in cols]
    return cols


def schema_of(columns: list[str]) -> pa.Schema:
    return pa.schema([(c, COLUMN_TYPES[c]) for c in columns])


def run_rows(stage: Stage, fn: RowFn, rows: list[Row], out_columns: list[str]) -> list[Row]:
    """Apply a stage to rows: error rows pass through; bad data (``DataError``) turns its row into an error row; any
    other exception propagates (transient faults fail the unit for Ray to retry, bugs fail the build)."""

    def one(row: Row) -> list[Row]:
        try:
            return fn([row]) if stage.batched else fn(row)  # type: ignore[arg-type]
        except DataError as exc:
            return [{**row, "error": error_json(stage.name, exc, exc.reason)}]

    produced: list[Row] = []
    if stage.batched:
        ok = [r for r in rows if not r.get("error")]
        try:
            done = iter(fn(ok) if ok else [])  # type: ignore[arg-type]
            results = {id(r): [next(done)] for r in ok}
        except DataError:  # isolate the bad row: redo the batch one row at a time
            results = {id(r): one(r) for r in ok}
        for row in rows:
            produced.extend([row] if row.get("error") else results[id(row)])
    else:
        for row in rows:
            produced.extend([row] if row.get("error") else one(row))
    return [{c: r.get(c, _default(c)) for c in out_columns} for r in produced]


def _default(column: str) -> Any:
    return "" if column in ("error", "not_fed", "label") else None
