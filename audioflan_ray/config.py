"""Typed build configuration: ``kw_only`` dataclasses, loaded through OmegaConf, validated up front.

YAML files and ``dotted.key=value`` overrides are merged with OmegaConf (later wins); the result is checked against
the dataclasses below and every problem is reported at once (``ConfigError.problems``) before anything is written.
Components are named by registry name (recipe, task), never by import path.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from omegaconf import OmegaConf

from audioflan_ray.errors import ConfigError

DOMAINS = ("speech", "music", "audio")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO_ROOT / "conf" / "demo.yaml"


@dataclass(kw_only=True)
class SourceConfig:
    recipe: str
    """Registry name of the corpus recipe (see ``audioflan-ray recipes``)."""
    root: str
    """Corpus root in its native layout: a local path, ``file://`` or ``s3://`` URI."""
    tasks: list[str] | None = None
    """Minor task names (as in audioflan_tasks.csv) to restrict this source to; all it can feed when null."""
    limit: int | None = None
    """Use only the first N recordings (deterministic order)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Recipe-specific options (see the recipe's docstring)."""


@dataclass(kw_only=True)
class OutputConfig:
    uri: str = "./out/demo"
    """Where the dataset goes: a local folder or ``s3://bucket/prefix``."""
    shard_max_bytes: int = 256 * 1024 * 1024
    """A shard is closed once it reaches this many bytes."""
    shard_max_samples: int = 10000
    """... or this many samples, whichever comes first."""
    release_layout: bool = True
    """Also export Audio-FLAN's own release layout beside the shards (``metadata/``, ``scp_files/``,
    ``audio_files/``; every audio stored once, however many instances reference it)."""


@dataclass(kw_only=True)
class StorageConfig:
    endpoint_url: str | None = None
    """S3-compatible endpoint; when null, the standard AWS_* environment applies (AWS_ENDPOINT_URL included)."""


@dataclass(kw_only=True)
class SampleRateConfig:
    speech: int = 16000
    music: int = 16000
    audio: int = 16000


@dataclass(kw_only=True)
class SegmentConfig:
    mode: str = "equal"
    """How recordings longer than ``audio.max_duration_s`` are cut: ``equal`` (the fewest equal windows no longer
    than it), ``fixed`` (``length_s`` windows every ``hop_s``, ``tail`` policy) or ``silence`` (at pauses, segments
    of ``min_s``..``audio.max_duration_s``). Segments a corpus gives (metadata ``segments``) are always used as is."""
    length_s: float = 10.0
    hop_s: float | None = None
    """Hop between fixed windows (null: no overlap)."""
    tail: str = "merge"
    """Fixed windows: what to do with the remainder: ``drop``, ``keep`` or ``merge`` (into the previous window when
    shorter than ``min_tail_s``)."""
    min_tail_s: float = 1.0
    min_s: float = 2.0
    """Silence mode: the shortest segment (the last one may be shorter only if the whole recording is)."""
    pause_s: float = 0.15
    """Silence mode: the shortest pause to cut at."""


@dataclass(kw_only=True)
class QualityConfig:
    """Filters on the metrics measured on every segment (null: off). A segment that fails one is quarantined with
    the reason (too_quiet, mostly_silent, clipping, low_snr) and counted in rows and seconds."""

    min_rms_dbfs: float | None = None
    max_clipping_ratio: float | None = None
    max_silence_ratio: float | None = None
    min_snr_db: float | None = None
    normalize_lufs: float | None = None
    """Scale every segment to this integrated loudness (ITU-R BS.1770), peak kept under -1 dBFS."""


@dataclass(kw_only=True)
class FeaturesConfig:
    kind: str | None = None
    """``log_mel`` or ``fbank`` (Kaldi-compatible) to store a ``features.npy`` member beside every audio member."""
    n_mels: int = 80


@dataclass(kw_only=True)
class SimulateConfig:
    """Where built pairs (enhancement, separation, detection) take their second signal from."""

    noise: str | None = None
    """Dataset (a recipe among ``sources``) whose recordings are the noise of denoising / SNR mixtures and the
    backgrounds of event scenes, taken from the same split; null: noise generated from the instance key."""


@dataclass(kw_only=True)
class AudioConfig:
    sample_rate: SampleRateConfig = field(default_factory=SampleRateConfig)
    """Target sample rate per domain (Hz). 16 kHz matches the speech/audio encoders instruction models use."""
    task_sample_rate: dict[str, int] = field(default_factory=dict)
    """Rate (Hz) for a task that needs another than its domain's, by minor task name (e.g. the high-rate target
    of a super-resolution pair); its instances carry audio resampled from the source to that rate."""
    resampler: str = "soxr"
    """CPU resampler: ``soxr`` (default) or ``torchaudio``."""
    channel: str | int = "mix"
    """Multi-channel input: ``mix`` (average to mono) or the index of the channel to keep."""
    max_duration_s: float = 30.0
    """Recordings longer than this are cut into equal windows no longer than it."""
    min_duration_s: float = 0.1
    """Clips (or windows) shorter than this are quarantined as ``too_short``."""
    device: str = "cpu"
    """Where resampling and features run: ``cpu``, or ``cuda`` (batched in the ``dsp`` stage; give that stage a
    fixed actor pool with ``num_gpus``). Without a GPU at run time, ``cuda`` falls back to the CPU with a warning."""
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    simulate: SimulateConfig = field(default_factory=SimulateConfig)


@dataclass(kw_only=True)
class StageConfig:
    batch_size: int = 16
    """Rows per batch handed to each stage."""
    actors: int = 0
    """0 runs the stage as Ray tasks (fused with its neighbours); N > 0 runs it on a fixed pool of N actors."""
    num_cpus: float = 1.0
    num_gpus: float = 0.0


@dataclass(kw_only=True)
class RayConfig:
    address: str | None = None
    """Ray cluster address; null starts Ray in-process (or joins the cluster ``ray job submit`` runs in)."""
    num_cpus: int | None = None
    """CPUs for an in-process Ray (null: all of this machine's)."""
    stages: dict[str, StageConfig] = field(default_factory=dict)
    """Per-stage overrides by stage name (read, decode, segment, encode, map_tasks)."""
    plan_unit_recordings: int = 64
    """Recordings per work unit; a unit's instances are written together (deterministic shards)."""
    progress_interval_s: float = 10.0
    """Seconds between progress lines."""


@dataclass(kw_only=True)
class BuildConfig:
    force: bool = False
    """Rebuild even when the output already holds a completed build (it is replaced)."""
    tasks: list[str] | None = None
    """Minor task names to build, for every source; null builds every task a source can feed."""
    unseen: list[str] = field(default_factory=list)
    """Minor tasks held out for zero-shot evaluation: their instances carry ``task_type.unseen = true`` and all go
    to the test split (whatever the recording's own split)."""


@dataclass(kw_only=True)
class Config:
    sources: list[SourceConfig] = field(default_factory=list)
    output: OutputConfig = field(default_factory=OutputConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    ray: RayConfig = field(default_factory=RayConfig)
    build: BuildConfig = field(default_factory=BuildConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# -- loading -------------------------------------------------------------------------------------------------------


def _resolve_roots(data: dict[str, Any], base: Path) -> None:
    """Relative ``root`` paths in a YAML file are relative to that file's folder (like docker-compose)."""
    for src in data.get("sources") or []:
        if isinstance(src, dict) and isinstance(src.get("root"), str):
            root = src["root"]
            if "://" not in root and not os.path.isabs(root):
                src["root"] = str((base / root).resolve())


def load(files: list[str] | None = None, overrides: list[str] | None = None) -> Config:
    """Merge ``files`` (the embedded demo config when none) and ``overrides``; validate; return the config."""
    problems: list[str] = []
    layers: list[Any] = []
    for f in files or [str(DEMO_CONFIG)]:
        path = Path(f)
        if not path.is_file():
            problems.append(f"config file {f}: not found")
            continue
        try:
            data = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
        except Exception as exc:  # YAML syntax errors come in several types
            problems.append(f"config file {f}: {exc}")
            continue
        if not isinstance(data, dict):
            problems.append(f"config file {f}: top level must be a mapping")
            continue
        _resolve_roots(data, path.resolve().parent)  # type: ignore[arg-type]
        layers.append(OmegaConf.create(data))
    if problems:
        raise ConfigError(problems)
    conf = OmegaConf.merge(*layers) if layers else OmegaConf.create({})
    for item in overrides or []:
        key, eq, raw = item.partition("=")
        if not eq or not key:
            problems.append(f"override {item!r}: expected dotted.key=value")
            continue
        try:
            # OmegaConf.update (unlike a dotlist merge) can index into lists: sources.0.limit=5
            OmegaConf.update(conf, key, yaml.safe_load(raw) if raw else None, merge=True)
        except Exception as exc:
            problems.append(f"override {item!r}: {exc}")
    if problems:
        raise ConfigError(problems)
    merged = OmegaConf.to_container(conf, resolve=True)
    assert isinstance(merged, dict)
    cfg = _build(Config, merged, "", problems)
    if not problems:
        assert isinstance(cfg, Config)
        problems.extend(validate(cfg))
    if problems:
        raise ConfigError(problems)
    assert isinstance(cfg, Config)
    return cfg


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _build(tp: Any, value: Any, where: str, problems: list[str]) -> Any:
    """Convert plain data to ``tp``, appending a message to ``problems`` for everything that does not fit."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        tried: list[str] = []
        for arg in args:  # the first member type the value fits
            attempt: list[str] = []
            built = _build(arg, value, where, attempt)
            if not attempt:
                return built
            tried.extend(attempt)
        problems.append(tried[0] if len(tried) == 1 else f"{where}: {value!r} fits none of {tp}")
        return None
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            problems.append(f"{where or 'config'}: expected a mapping, got {type(value).__name__}")
            return None
        hints = typing.get_type_hints(tp)
        fields = {f.name: f for f in dataclasses.fields(tp)}
        for key in value:
            if key not in fields:
                problems.append(f"{where + '.' if where else ''}{key}: unknown key (allowed: {', '.join(fields)})")
        kwargs = {}
        for name, f in fields.items():
            path = f"{where}.{name}" if where else name
            if name in value:
                kwargs[name] = _build(hints[name], value[name], path, problems)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                problems.append(f"{path}: required key missing")
        try:
            return tp(**kwargs)  # type: ignore[operator]
        except TypeError:
            return None
    if origin is list:
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list, got {type(value).__name__} {value!r}")
            return None
        (item_tp,) = typing.get_args(tp)
        return [_build(item_tp, v, f"{where}[{i}]", problems) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            problems.append(f"{where}: expected a mapping, got {type(value).__name__} {value!r}")
            return None
        _, val_tp = typing.get_args(tp)
        return {k: _build(val_tp, v, f"{where}.{k}", problems) for k, v in value.items()}
    if tp is Any:
        return value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in (int, float, str, bool):
        if isinstance(value, tp) and not (tp is int and isinstance(value, bool)):
            return value
        problems.append(f"{where}: expected {_type_name(tp)}, got {type(value).__name__} {value!r}")
        return None
    raise TypeError(f"config type {tp} not handled")  # a programming error, not a user one


def validate(cfg: Config) -> list[str]:
    """Semantic checks (registry names, roots, ranges). Returns every problem found."""
    from audioflan_ray.recipes.base import registry
    from audioflan_ray.storage import Root, StorageOptions
    from audioflan_ray.tasks.catalog import catalog
    from audioflan_ray.tasks.engine import templates

    problems: list[str] = []
    recipes = registry()
    known_tasks = catalog()
    built_tasks = templates()
    if not cfg.sources:
        problems.append("sources: at least one source is required")
    if not cfg.output.uri:
        problems.append("output.uri: required")

    def check_tasks(names: list[str] | None, where: str) -> None:
        for t in names or []:
            if t not in known_tasks:
                problems.append(f"{where}: unknown task {t!r} (see `audioflan-ray tasks`)")
            elif t not in built_tasks:
                problems.append(f"{where}: task {t!r} has no template yet (see `audioflan-ray tasks`)")

    check_tasks(cfg.build.tasks, "build.tasks")
    check_tasks(cfg.build.unseen, "build.unseen")
    noise = cfg.audio.simulate.noise
    if noise is not None and noise not in {s.recipe for s in cfg.sources}:
        problems.append(
            f"audio.simulate.noise: {noise!r} is not the recipe of any source "
            "(add it to sources, or set audio.simulate.noise=null for generated noise)"
        )
    options = StorageOptions(endpoint_url=cfg.storage.endpoint_url)
    for i, src in enumerate(cfg.sources):
        where = f"sources[{i}]"
        check_tasks(src.tasks, f"{where}.tasks")
        if src.limit is not None and src.limit < 1:
            problems.append(f"{where}.limit: must be >= 1, got {src.limit}")
        if src.recipe not in recipes:
            problems.append(f"{where}.recipe: unknown recipe {src.recipe!r} (known: {', '.join(recipes)})")
            continue
        try:
            root = Root(src.root, options)
            if not root.isdir():
                problems.append(f"{where}.root: {src.root} does not exist or is not a folder")
                continue
            problems.extend(f"{where}: {p}" for p in recipes[src.recipe](root, src.options).check_layout())
        except Exception as exc:  # e.g. no credentials or no route to the S3 endpoint
            problems.append(f"{where}.root: cannot read {src.root}: {type(exc).__name__}: {exc}")
    for dom in DOMAINS:
        rate = getattr(cfg.audio.sample_rate, dom)
        if not 4000 <= rate <= 192000:
            problems.append(f"audio.sample_rate.{dom}: {rate} Hz is outside 4000..192000")
    if cfg.audio.resampler not in ("soxr", "torchaudio"):
        problems.append(f"audio.resampler: {cfg.audio.resampler!r} is not one of soxr, torchaudio")
    if cfg.audio.channel != "mix" and not str(cfg.audio.channel).isdigit():
        problems.append(f"audio.channel: {cfg.audio.channel!r} is neither 'mix' nor a channel index")
    for task, rate in cfg.audio.task_sample_rate.items():
        if task not in known_tasks:
            problems.append(f"audio.task_sample_rate: unknown task {task!r}")
        if not 4000 <= rate <= 192000:
            problems.append(f"audio.task_sample_rate.{task}: {rate} Hz is outside 4000..192000")
    seg = cfg.audio.segment
    if seg.mode not in ("equal", "fixed", "silence"):
        problems.append(f"audio.segment.mode: {seg.mode!r} is not one of equal, fixed, silence")
    if seg.tail not in ("drop", "keep", "merge"):
        problems.append(f"audio.segment.tail: {seg.tail!r} is not one of drop, keep, merge")
    if seg.mode == "fixed" and seg.length_s > cfg.audio.max_duration_s:
        problems.append("audio.segment.length_s: longer than audio.max_duration_s")
    if seg.mode == "silence" and not 0 < seg.min_s < cfg.audio.max_duration_s:
        problems.append("audio.segment.min_s: must be > 0 and below audio.max_duration_s")
    if cfg.audio.device not in ("cpu", "cuda"):
        problems.append(f"audio.device: {cfg.audio.device!r} is not one of cpu, cuda")
    if cfg.audio.features.kind not in (None, "log_mel", "fbank"):
        problems.append(f"audio.features.kind: {cfg.audio.features.kind!r} is not one of null, log_mel, fbank")
    if cfg.audio.max_duration_s <= cfg.audio.min_duration_s:
        problems.append("audio.max_duration_s: must be greater than audio.min_duration_s")
    if cfg.output.shard_max_bytes < 1024:
        problems.append(f"output.shard_max_bytes: {cfg.output.shard_max_bytes} is too small (>= 1024)")
    if cfg.output.shard_max_samples < 1:
        problems.append("output.shard_max_samples: must be >= 1")
    if cfg.ray.plan_unit_recordings < 1:
        problems.append("ray.plan_unit_recordings: must be >= 1")
    from audioflan_ray.pipeline.stages import STAGE_NAMES

    for name, st in cfg.ray.stages.items():
        if name not in STAGE_NAMES:
            problems.append(f"ray.stages.{name}: unknown stage (known: {', '.join(STAGE_NAMES)})")
        if st.batch_size < 1:
            problems.append(f"ray.stages.{name}.batch_size: must be >= 1")
        if st.actors < 0:
            problems.append(f"ray.stages.{name}.actors: must be >= 0")
        if st.num_gpus > 0 and st.actors == 0:
            problems.append(f"ray.stages.{name}: a GPU stage needs a fixed actor pool (actors >= 1)")
    return problems


def redacted(cfg: Config) -> dict[str, Any]:
    """The resolved config as recorded in the manifest: no credentials (endpoint URLs may embed user:pass)."""
    data = cfg.to_dict()
    url = data["storage"].get("endpoint_url")
    if url and "@" in url:
        scheme, _, rest = url.partition("://")
        data["storage"]["endpoint_url"] = f"{scheme}://***@{rest.split('@', 1)[1]}"
    return data
