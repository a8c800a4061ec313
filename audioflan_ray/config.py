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
from typing import Any, Literal

import yaml
from omegaconf import OmegaConf

from audioflan_ray.errors import ConfigError
from audioflan_ray.schema import DOMAINS

PACKAGE_DIR = Path(__file__).resolve().parent
#: The embedded default: a local mini-build over the real samples bundled with the package (works from a wheel).
DEMO_CONFIG = PACKAGE_DIR / "demo" / "demo.yaml"


@dataclass(kw_only=True, frozen=True)
class SourceConfig:
    recipe: str
    """Registry name of the corpus recipe (see ``audioflan-ray recipes``)."""
    root: str
    """Corpus root in its native layout: a local path, ``file://`` or ``s3://`` URI."""
    tasks: tuple[str, ...] | None = None
    """Minor task names (as in audioflan_tasks.csv) to restrict this source to; all it can feed when null."""
    limit: int | None = None
    """Use only the first N recordings (deterministic order)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Recipe-specific options (see the recipe's docstring)."""


@dataclass(kw_only=True, frozen=True)
class OutputConfig:
    uri: str = "./out/demo"
    """Where the dataset goes: a local folder or ``s3://bucket/prefix``."""
    shard_max_bytes: int = 512 * 1024 * 1024
    """Shards are filled up to this many bytes (pieces of consecutive units packed together)."""
    shard_max_samples: int = 100_000
    """... or this many samples, whichever comes first."""
    release_layout: bool = True
    """Also export Audio-FLAN's own release layout beside the shards (``metadata/``, ``scp_files/``,
    ``audio_files/``; every audio stored once, however many instances reference it)."""
    energon: bool = True
    """Write the ``.nv-meta/`` files Megatron-Energon reads into every shard folder."""


@dataclass(kw_only=True, frozen=True)
class StorageConfig:
    endpoint_url: str | None = None
    """S3-compatible endpoint; when null, the standard AWS_* environment applies (AWS_ENDPOINT_URL included)."""
    retries: int = 10
    """Attempts per S3 request on throttling, 5xx, timeouts and resets (adaptive backoff). A fault that outlasts
    them (and the reader's own few retries) fails the work unit; Ray retries it ``ray.max_task_retries`` times."""


@dataclass(kw_only=True, frozen=True)
class SampleRateConfig:
    speech: int = 16000
    music: int = 16000
    audio: int = 16000


@dataclass(kw_only=True, frozen=True)
class SegmentConfig:
    mode: Literal["equal", "fixed", "silence"] = "equal"
    """How recordings longer than ``audio.max_duration_s`` are cut: ``equal`` (the fewest equal windows no longer
    than it), ``fixed`` (``length_s`` windows every ``hop_s``, ``tail`` policy) or ``silence`` (at pauses, segments
    of ``min_s``..``audio.max_duration_s``). Segments a corpus gives (metadata ``segments``) are always used as is."""
    length_s: float = 10.0
    hop_s: float | None = None
    """Hop between fixed windows (null: no overlap)."""
    tail: Literal["drop", "keep", "merge"] = "merge"
    """Fixed windows: what to do with the remainder: ``drop``, ``keep`` or ``merge`` (into the previous window when
    shorter than ``min_tail_s``)."""
    min_tail_s: float = 1.0
    min_s: float = 2.0
    """Silence mode: the shortest segment (the last one may be shorter only if the whole recording is)."""
    pause_s: float = 0.15
    """Silence mode: the shortest pause to cut at."""


@dataclass(kw_only=True, frozen=True)
class QualityConfig:
    """Filters on the metrics measured on every segment (null: off). A segment that fails one is quarantined with
    the reason (too_quiet, mostly_silent, clipping, low_snr) and counted in rows and seconds."""

    min_rms_dbfs: float | None = None
    max_clipping_ratio: float | None = None
    max_silence_ratio: float | None = None
    min_snr_db: float | None = None
    normalize_lufs: float | None = None
    """Scale every segment to this integrated loudness (ITU-R BS.1770), peak kept under -1 dBFS."""


@dataclass(kw_only=True, frozen=True)
class FeaturesConfig:
    kind: Literal["log_mel", "fbank"] | None = None
    """``log_mel`` or ``fbank`` (Kaldi-compatible) to store a ``features.npy`` member beside every audio member."""
    n_mels: int = 80


@dataclass(kw_only=True, frozen=True)
class SimulateConfig:
    """Where built pairs (enhancement, separation, detection) take their second signal from."""

    noise: str | None = None
    """Dataset (a recipe among ``sources``) whose recordings are the noise of denoising / SNR mixtures and the
    backgrounds of event scenes, taken from the same split; null: noise generated from the instance key."""


@dataclass(kw_only=True, frozen=True)
class AudioConfig:
    sample_rate: SampleRateConfig = field(default_factory=SampleRateConfig)
    """Target sample rate per domain (Hz). 16 kHz matches the speech/audio encoders instruction models use."""
    task_sample_rate: dict[str, int] = field(default_factory=dict)
    """Rate (Hz) for a task that needs another than its domain's, by minor task name (e.g. the high-rate target
    of a super-resolution pair); its instances carry audio resampled from the source to that rate."""
    resampler: Literal["soxr", "torchaudio"] = "soxr"
    """CPU resampler: ``soxr`` (default) or ``torchaudio``."""
    channel: str | int = "mix"
    """Multi-channel input: ``mix`` (average to mono) or the index of the channel to keep."""
    max_duration_s: float = 30.0
    """Recordings longer than this are cut into equal windows no longer than it."""
    min_duration_s: float = 0.1
    """Clips (or windows) shorter than this are quarantined as ``too_short``."""
    device: Literal["cpu", "cuda"] = "cpu"
    """Where resampling and features run: ``cpu``, or ``cuda`` (batched in the ``dsp`` stage; give that stage a
    fixed actor pool with ``num_gpus``). Without a GPU at run time, ``cuda`` falls back to the CPU with a warning."""
    flac_compression: float = 0.0
    """FLAC encoder effort, 0 (fastest) .. 1 (smallest). Measured on 16 kHz speech (``bench/flac_level.py``,
    bench/README.md): level 0 encodes 1.18x as fast as the library default for files 2 % larger; 1 is 0.55x as fast
    for files 4 % smaller."""
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    simulate: SimulateConfig = field(default_factory=SimulateConfig)


@dataclass(kw_only=True, frozen=True)
class StageConfig:
    batch_size: int = 16
    """Rows per batch handed to the stage within a unit (a GPU stage takes a unit's segments in batches of this)."""
    actors: int = 0
    """0 runs the stage in Ray tasks (fused with its neighbours); N > 0 runs it on a fixed pool of N actors."""
    num_cpus: float = 1.0
    num_gpus: float = 0.0


@dataclass(kw_only=True, frozen=True)
class RayConfig:
    address: str | None = None
    """Ray cluster address; null starts Ray in-process (or joins the cluster ``ray job submit`` runs in)."""
    num_cpus: int | None = None
    """CPUs for an in-process Ray (null: all of this machine's)."""
    stages: dict[str, StageConfig] = field(default_factory=dict)
    """Per-stage overrides by stage name (read, decode, segment, dsp, encode, map_tasks)."""
    plan_unit_recordings: int = 64
    """Mean recordings per work unit. Units are content-defined (a unit ends after a recording whose hashed id falls
    in 1 of this many buckets), so an added or removed recording changes its own unit only; a unit is the grain of
    resume and of reuse by incremental builds. Shard size does not depend on it (pieces are packed into full shards)."""
    progress_interval_s: float = 10.0
    """Seconds between progress lines."""
    max_task_retries: int = 3
    """Times Ray retries a work unit that failed on a transient storage fault or a lost worker."""


@dataclass(kw_only=True, frozen=True)
class BuildConfig:
    force: bool = False
    """Replace a completed build of another configuration in ``output.uri`` (only files that build wrote are
    removed)."""
    tasks: tuple[str, ...] | None = None
    """Minor task names to build, for every source; null builds every task a source can feed."""
    unseen: tuple[str, ...] = ()
    """Minor tasks held out for zero-shot evaluation: their instances carry ``task_type.unseen = true`` and all go
    to the test split (whatever the recording's own split)."""
    opaque_ids: bool = True
    """AUDIO_IDs, uuids and keys hash the corpus id (``<NN>_<Dataset>_<hash>``), so no label can be read from an id;
    ``other.recording_id`` keeps the corpus's own id."""
    max_error_fraction: float = 0.05
    """Fail (commit nothing) when more than this fraction of the planned recordings is quarantined: a quarantine that
    large is a broken corpus or configuration, not bad files."""
    reuse_from: str | None = None
    """A previous completed build (URI) whose unchanged work units are copied instead of rebuilt (the nightly build
    points it at the last night). Its output must equal a full rebuild's: only units with the same fingerprint are
    reused."""
    lock_stale_s: float = 600.0
    """A lock whose holder has not refreshed it for this long is stale (it can be taken over explicitly)."""
    take_over_lock: bool = False
    """Take over a stale lock (the build that held it is gone)."""


@dataclass(kw_only=True, frozen=True)
class Config:
    sources: tuple[SourceConfig, ...] = ()
    output: OutputConfig = field(default_factory=OutputConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    ray: RayConfig = field(default_factory=RayConfig)
    build: BuildConfig = field(default_factory=BuildConfig)

    def to_dict(self) -> dict[str, Any]:
        return _plain(dataclasses.asdict(self))


def _plain(value: Any) -> Any:
    """Tuples as lists, so the dict is what YAML / JSON would give back."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


#: Keys that change how a build runs, not what it writes (left out of fingerprints and build ids).
RUN_ONLY = {
    "output": ("uri",),
    "storage": ("endpoint_url", "retries"),
    "ray": ("address", "num_cpus", "stages", "progress_interval_s", "max_task_retries"),
    "build": ("force", "max_error_fraction", "reuse_from", "lock_stale_s", "take_over_lock"),
}


def shaping(cfg: Config) -> dict[str, Any]:
    """The part of the config that decides the output's bytes."""
    data = cfg.to_dict()
    for section, keys in RUN_ONLY.items():
        for k in keys:
            data[section].pop(k, None)
    return data


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
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value in allowed and not (isinstance(value, bool) and not any(isinstance(a, bool) for a in allowed)):
            return value
        problems.append(f"{where}: {value!r} is not one of {', '.join(map(str, allowed))}")
        return None
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
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            problems.append(f"{where}: expected a list, got {type(value).__name__} {value!r}")
            return None
        item_tp = typing.get_args(tp)[0]
        items = [_build(item_tp, v, f"{where}[{i}]", problems) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
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


def _overlap(a: str, b: str) -> bool:
    """Whether one of two roots (local paths or ``s3://`` URIs) lies inside the other."""
    from audioflan_ray.storage import split_uri

    pa_, xa = split_uri(a)
    pb, xb = split_uri(b)
    if pa_ != pb:
        return False
    if pa_ == "file":
        xa, xb = os.path.realpath(xa), os.path.realpath(xb)
    xa, xb = xa.rstrip("/") + "/", xb.rstrip("/") + "/"
    return xa.startswith(xb) or xb.startswith(xa)


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

    def check_tasks(names: tuple[str, ...] | list[str] | None, where: str) -> None:
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
    options = StorageOptions(endpoint_url=cfg.storage.endpoint_url, retries=cfg.storage.retries)
    for i, src in enumerate(cfg.sources):
        where = f"sources[{i}]"
        check_tasks(src.tasks, f"{where}.tasks")
        if src.limit is not None and src.limit < 1:
            problems.append(f"{where}.limit: must be >= 1, got {src.limit}")
        if cfg.output.uri and _overlap(src.root, cfg.output.uri):
            problems.append(
                f"{where}.root: {src.root} and output.uri {cfg.output.uri} overlap; a build must never read its own "
                "output (nor write into a corpus): choose an output outside every source root"
            )
        if src.recipe not in recipes:
            problems.append(f"{where}.recipe: unknown recipe {src.recipe!r} (known: {', '.join(recipes)})")
            continue
        try:
            root = Root(src.root, options)
            if not root.isdir():
                problems.append(f"{where}.root: {src.root} does not exist or is not a folder")
                continue
            problems.extend(f"{where}: {p}" for p in recipes[src.recipe](root, dict(src.options)).check_layout())
        except Exception as exc:  # e.g. no credentials or no route to the S3 endpoint
            problems.append(f"{where}.root: cannot read {src.root}: {type(exc).__name__}: {exc}")
    for dom in DOMAINS:
        rate = getattr(cfg.audio.sample_rate, dom)
        if not 4000 <= rate <= 192000:
            problems.append(f"audio.sample_rate.{dom}: {rate} Hz is outside 4000..192000")
    if cfg.audio.channel != "mix" and not str(cfg.audio.channel).isdigit():
        problems.append(f"audio.channel: {cfg.audio.channel!r} is neither 'mix' nor a channel index")
    for task, rate in cfg.audio.task_sample_rate.items():
        if task not in known_tasks:
            problems.append(f"audio.task_sample_rate: unknown task {task!r}")
        if not 4000 <= rate <= 192000:
            problems.append(f"audio.task_sample_rate.{task}: {rate} Hz is outside 4000..192000")
    if not 0.0 <= cfg.audio.flac_compression <= 1.0:
        problems.append(f"audio.flac_compression: {cfg.audio.flac_compression} is outside 0..1")
    seg = cfg.audio.segment
    if seg.mode == "fixed" and seg.length_s > cfg.audio.max_duration_s:
        problems.append("audio.segment.length_s: longer than audio.max_duration_s")
    if seg.mode == "silence" and not 0 < seg.min_s < cfg.audio.max_duration_s:
        problems.append("audio.segment.min_s: must be > 0 and below audio.max_duration_s")
    if cfg.audio.max_duration_s <= cfg.audio.min_duration_s:
        problems.append("audio.max_duration_s: must be greater than audio.min_duration_s")
    if cfg.output.shard_max_bytes < 1024:
        problems.append(f"output.shard_max_bytes: {cfg.output.shard_max_bytes} is too small (>= 1024)")
    if cfg.output.shard_max_samples < 1:
        problems.append("output.shard_max_samples: must be >= 1")
    if cfg.ray.plan_unit_recordings < 1:
        problems.append("ray.plan_unit_recordings: must be >= 1")
    if cfg.ray.max_task_retries < 0:
        problems.append("ray.max_task_retries: must be >= 0")
    if cfg.storage.retries < 1:
        problems.append("storage.retries: must be >= 1")
    if not 0.0 <= cfg.build.max_error_fraction <= 1.0:
        problems.append(f"build.max_error_fraction: {cfg.build.max_error_fraction} is outside 0..1")
    if cfg.build.reuse_from and cfg.output.uri and _overlap(cfg.build.reuse_from, cfg.output.uri):
        problems.append("build.reuse_from: must be another output than output.uri")
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
