"""Throughput and peak memory of an ``audioflan-ray build`` against the least work any builder must do.

One run, one corpus, the same cores for every method (see bench/README.md):

* **hand loop** — a ``multiprocessing.Pool`` of ``--jobs`` processes: soundfile decode -> mono -> soxr HQ resample
  to 16 kHz -> 16-bit FLAC (soundfile) -> one tar per chunk of 256 recordings (``tarfile``);
* **lhotse** — Lhotse ``CutSet.from_manifests(RecordingSet.from_dir(...)).resample(16000).to_shar(out,
  fields={"recording": "flac"}, num_jobs=N)``, best of N = 1 and N = ``--jobs``;
* **ours** — ``audioflan-ray build`` (a subprocess, Ray started in it) with one task per recording
  (Automatic Speech Recognition), on the 1x corpus, then on the 4x corpus (``--scales``) for memory;
* **multi-task** — a LibriSpeech-layout corpus (``--multitask-hours``) of the same real audio, every task the recipe
  feeds from the recording alone (5 instances per recording): ``hand-multi`` decodes and encodes once and writes
  every instance, ``ours-multi`` builds it; rates count the audio of every instance (output audio per second).

Each method runs as a child process; its wall time is measured around it (interpreter start and imports included)
and its peak RSS is the largest sum of RSS over the child and all its descendants (Ray's raylet, GCS and workers),
polled every 0.2 s with psutil. The corpus is real LJ Speech audio (22.05 kHz) replicated under new ids
(``LJ9NN-NNNN``, hard links) into a valid LJ Speech layout.

    make bench                                     # tools/offline .venv/bin/python bench/throughput.py
    tools/offline .venv/bin/python bench/throughput.py --hours 1            # a quick look
    tools/offline .venv/bin/python bench/throughput.py --profile --hours 1  # where the time goes, no Ray

Anything that starts Ray must run under ``tools/offline``; the script re-executes itself there when it is not.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import importlib.util
import io
import json
import math
import multiprocessing
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import soxr

REPO = Path(__file__).resolve().parent.parent
OFFLINE = REPO / "tools" / "offline"
SHARED_LJ = REPO.parent / "shared" / "corpora" / "ljspeech" / "LJSpeech-1.1"
SAMPLE_LJ = REPO / "audioflan_ray" / "demo" / "samples" / "ljspeech" / "LJSpeech-1.1"
RESULTS = Path(__file__).resolve().parent / "results"
TARGET_RATE = 16000
CHUNK = 256  # recordings per hand-loop tar, the same as ours' ray.plan_unit_recordings below
TARGET_VS_HAND = 0.8
TARGET_VS_LHOTSE = 1.5
TARGET_MULTI = 0.7
ASR = "Automatic Speech Recognition"


# -- corpus -----------------------------------------------------------------------------------------------------------


@dataclass
class Corpus:
    root: Path  # the LJSpeech-1.1 folder (or the LibriSpeech one of the multi-task case)
    recordings: int
    seconds: float
    source: str
    linked: bool
    recipe: str = "ljspeech"
    tasks: tuple[str, ...] = (ASR,)

    def wavs(self) -> list[Path]:
        ids = [line.split("|", 1)[0] for line in (self.root / "metadata.csv").read_text().splitlines() if line]
        return [self.root / "wavs" / f"{i}.wav" for i in ids]


#: The multi-task case: every task the LibriSpeech recipe feeds from the recording itself (no partner, nothing
#: built), so that the hand loop can do exactly the same work: decode once, encode once, write every instance.
MULTI_TASKS = (
    ASR,
    "Text to Speech",
    "Gender Recognition",
    "Speaker Identification",
    "Language Identification",
)


def make_librispeech(src: Path, parent: Path, hours: float) -> Corpus:
    """A LibriSpeech-layout corpus (16 kHz FLAC, speakers, chapters, transcripts, SPEAKERS.TXT) of ``src``'s real
    LJ Speech audio: each source clip converted once, then hard-linked under as many utterance ids as needed."""
    base = parent / "LibriSpeech"
    cache = parent / "flac-cache"
    cache.mkdir(parents=True)
    entries: list[tuple[Path, str, float]] = []
    for line in (src / "metadata.csv").read_text(encoding="utf-8").splitlines():
        rec_id, _, rest = line.partition("|")
        wav = src / "wavs" / f"{rec_id}.wav"
        if not wav.is_file():
            continue
        audio, rate = sf.read(str(wav), dtype="float32")
        flac = cache / f"{rec_id}.flac"
        sf.write(str(flac), soxr.resample(audio, rate, TARGET_RATE, quality="HQ"), TARGET_RATE, subtype="PCM_16")
        entries.append((flac, rest.split("|")[-1].upper(), sf.info(str(flac)).duration))
    speakers = 40
    total, j = 0.0, 0
    texts: dict[Path, list[str]] = {}
    while total < hours * 3600:
        flac, text, seconds = entries[j % len(entries)]
        spk, chapter, utt = 100 + j % speakers, 1000 + (j // speakers) // 50, (j // speakers) % 50
        folder = base / "train-clean-100" / str(spk) / str(chapter)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{spk}-{chapter}-{utt:04d}"
        os.link(flac, folder / f"{name}.flac")
        texts.setdefault(folder, []).append(f"{name} {text}")
        total += seconds
        j += 1
    for folder, lines in texts.items():
        (folder / f"{folder.parent.name}-{folder.name}.trans.txt").write_text("\n".join(lines) + "\n")
    rows = [f"{100 + k} | {'F' if k % 2 else 'M'} | train-clean-100 | 25.00 | reader {k}" for k in range(speakers)]
    (base / "SPEAKERS.TXT").write_text("; ID | SEX | SUBSET | MINUTES | NAME\n" + "\n".join(rows) + "\n")
    return Corpus(base, j, total, str(src), True, "librispeech", MULTI_TASKS)


def source_corpus() -> Path:
    return SHARED_LJ if (SHARED_LJ / "metadata.csv").is_file() else SAMPLE_LJ


def make_corpus(src: Path, parent: Path, hours: float) -> Corpus:
    """Replicate ``src``'s recordings under new ids until the corpus holds at least ``hours`` of audio."""
    entries: list[tuple[Path, str, float]] = []
    for line in (src / "metadata.csv").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec_id, _, rest = line.partition("|")
        wav = src / "wavs" / f"{rec_id}.wav"
        if wav.is_file():
            info = sf.info(str(wav))
            entries.append((wav, rest, info.frames / info.samplerate))
    if not entries:
        raise SystemExit(f"no usable recordings in {src}")
    root = parent / "LJSpeech-1.1"
    (root / "wavs").mkdir(parents=True)
    lines: list[str] = []
    total, j, linked = 0.0, 0, True
    while total < hours * 3600:
        wav, rest, seconds = entries[j % len(entries)]
        if j >= 1_000_000:
            raise SystemExit("--hours is too large for LJ9NN-NNNN ids")
        new_id = f"LJ9{j // 10000:02d}-{j % 10000:04d}"
        dst = root / "wavs" / f"{new_id}.wav"
        try:
            os.link(wav, dst)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(wav, dst)
            linked = False
        lines.append(f"{new_id}|{rest}")
        total += seconds
        j += 1
    (root / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Corpus(root, j, total, str(src), linked)


# -- process-tree monitor ------------------------------------------------------------------------------------------


class TreeMonitor(threading.Thread):
    """Polls RSS and CPU time of a process and all its descendants every ``interval`` seconds.

    ``peak_rss`` is the largest sum of RSS (shared pages, e.g. Ray's object store in /dev/shm or the libraries,
    count once per process that maps them); ``peak_anon`` the largest sum of private anonymous memory (RSS minus
    file-backed and shmem pages), a lower bound. CPU is the last seen user+system time of every process, grouped
    by role (it misses at most one interval of each process's last activity).
    """

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        import psutil

        self.psutil = psutil
        self.root = psutil.Process(pid)
        self.interval = interval
        self.stop_event = threading.Event()
        self.peak_rss = 0
        self.peak_anon = 0
        self.peak_procs = 0
        self.peak_groups: dict[str, float] = {}  # MiB by role at the peak sample
        self.other_cpu_s = 0.0
        self.cpu: dict[Any, float] = {}  # process (pid + create time) -> last seen user+system seconds
        self.groups: dict[Any, str] = {}
        self.largest = (0, "")  # the largest single process seen: RSS bytes, role
        self.timeline: list[tuple[float, int]] = []  # (seconds since start, summed RSS bytes)
        self.t0 = time.monotonic()

    def group(self, p: Any) -> str:
        if p not in self.groups:
            label = "main process"
            if p != self.root:
                try:
                    label = role(p.cmdline()) or p.name()
                except self.psutil.Error:
                    label = "?"
            self.groups[p] = label
        return self.groups[p]

    def sample(self) -> None:
        psutil = self.psutil
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss = anon = alive = 0
        by_group: dict[str, int] = {}
        for p in procs:
            try:
                with p.oneshot():
                    mem = p.memory_info()
                    t = p.cpu_times()
                label = self.group(p)
            except psutil.Error:
                continue
            self.cpu[p] = t.user + t.system
            rss += mem.rss
            anon += mem.rss - mem.shared
            by_group[label] = by_group.get(label, 0) + mem.rss
            self.largest = max(self.largest, (mem.rss, label))
            alive += 1
        self.timeline.append((time.monotonic() - self.t0, rss))
        if rss > self.peak_rss:
            self.peak_rss = rss
            self.peak_groups = {k: round(v / 2**20) for k, v in sorted(by_group.items(), key=lambda kv: -kv[1])}
        self.peak_anon = max(self.peak_anon, anon)
        self.peak_procs = max(self.peak_procs, alive)

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.interval)

    def stop(self) -> None:
        self.stop_event.set()
        self.join()

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    def cpu_by_group(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for p, sec in self.cpu.items():
            out[self.groups.get(p, "?")] = out.get(self.groups.get(p, "?"), 0.0) + sec
        return {k: round(v, 2) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}

    def rss_quartiles(self) -> list[int]:
        """Summed RSS (MiB) at 25, 50, 75 and 100 % of the run: growth with time, or a plateau."""
        if not self.timeline:
            return []
        n = len(self.timeline)
        return [round(self.timeline[min(n - 1, int(n * q / 4))][1] / 2**20) for q in (1, 2, 3, 4)]

    def processes_by_group(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for label in self.groups.values():
            out[label] = out.get(label, 0) + 1
        return out


def role(cmdline: list[str]) -> str:
    """A short name for a descendant: Ray workers (``ray::…`` titles), Ray daemons, Python scripts and modules."""
    if not cmdline:
        return ""
    first = cmdline[0]
    if first.startswith("ray::"):
        return "ray workers"
    base = os.path.basename(first.split()[0])
    if base.startswith("python"):
        for i, arg in enumerate(cmdline[1:], 1):
            if arg == "-m" and i + 1 < len(cmdline):
                return cmdline[i + 1]
            if arg.endswith(".py"):
                name = os.path.basename(arg)
                if name == "default_worker.py":  # before it retitles itself ray::IDLE / ray::MapBatches(...)
                    return "ray workers"
                return f"{os.path.basename(os.path.dirname(arg))}/{name}"
    return base


@dataclass
class Run:
    method: str
    label: str
    corpus_scale: int
    audio_s: float
    wall_s: float
    inner_s: float | None
    peak_rss_mib: float
    peak_anon_mib: float
    cpu_s: float
    peak_procs: int
    out_mib: float
    items: int
    ok: bool
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.audio_s / self.wall_s if self.wall_s > 0 else 0.0


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def busy_cpu_seconds() -> float:
    import psutil

    t = psutil.cpu_times()
    return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))


def monitored(
    cmd: list[str], log: Path, cwd: Path = REPO, env: dict[str, str] | None = None
) -> tuple[int, float, TreeMonitor, str]:
    """Run ``cmd``; return its exit code, wall seconds, the finished monitor and its stdout.

    ``mon.other_cpu_s`` is the CPU time the machine spent outside the measured tree meanwhile (other users).
    """
    with open(log, "w") as err:
        busy0 = busy_cpu_seconds()
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        mon = TreeMonitor(proc.pid)
        mon.start()
        out, _ = proc.communicate()
        wall = time.monotonic() - start
        mon.stop()
        mon.other_cpu_s = max(0.0, busy_cpu_seconds() - busy0 - mon.cpu_seconds)
    return proc.returncode, wall, mon, out


def tree_extra(mon: TreeMonitor) -> dict[str, Any]:
    return {
        "other_cpu_s": round(mon.other_cpu_s, 1),
        "largest_process": {"rss_mib": round(mon.largest[0] / 2**20), "role": mon.largest[1]},
        "rss_mib_at_quarters": mon.rss_quartiles(),
        "cpu_s_by_role": mon.cpu_by_group(),
        "rss_mib_by_role_at_peak": mon.peak_groups,
        "processes_by_role": mon.processes_by_group(),
    }


def last_json(out: str) -> dict[str, Any]:
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    return {}


# -- workers (run as child processes of this script) --------------------------------------------------------------


def hand_chunk(job: tuple[list[str], str]) -> tuple[float, int]:
    """The least work: decode, mono, resample, FLAC, tar. Returns (audio seconds, recordings)."""
    paths, tar_path = job
    seconds = 0.0
    with tarfile.open(tar_path, "w") as tar:
        for p in paths:
            audio, rate = sf.read(p, dtype="float32", always_2d=True)
            mono = audio.mean(axis=1, dtype=np.float32) if audio.shape[1] > 1 else audio[:, 0]
            out = soxr.resample(mono, rate, TARGET_RATE, quality="HQ")
            buf = io.BytesIO()
            sf.write(buf, np.clip(out, -1.0, 1.0), TARGET_RATE, format="FLAC", subtype="PCM_16")
            data = buf.getvalue()
            info = tarfile.TarInfo(f"{Path(p).stem}.flac")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            seconds += len(mono) / rate
    return seconds, len(paths)


def hand_multi_chunk(job: tuple[list[str], str]) -> tuple[float, int]:
    """The multi-task least work: decode, mono, resample when needed, FLAC once, then one sample per task (its JSON
    and the same FLAC bytes) into the tar. Returns (audio seconds written, instances)."""
    paths, tar_path = job
    seconds, items = 0.0, 0
    with tarfile.open(tar_path, "w") as tar:
        for p in paths:
            audio, rate = sf.read(p, dtype="float32", always_2d=True)
            mono = audio.mean(axis=1, dtype=np.float32) if audio.shape[1] > 1 else audio[:, 0]
            out = soxr.resample(mono, rate, TARGET_RATE, quality="HQ") if rate != TARGET_RATE else mono
            buf = io.BytesIO()
            sf.write(buf, np.clip(out, -1.0, 1.0), TARGET_RATE, format="FLAC", subtype="PCM_16")
            data = buf.getvalue()
            for k, task in enumerate(MULTI_TASKS):
                key = f"{Path(p).stem}-{k}"
                meta = json.dumps({"uuid": key, "task": task, "audio": [{"id": key, "member": "input.flac"}]}).encode()
                for suffix, member in (("json", meta), ("input.flac", data)):
                    info = tarfile.TarInfo(f"{key}.{suffix}")
                    info.size = len(member)
                    tar.addfile(info, io.BytesIO(member))
                seconds += len(mono) / rate
                items += 1
    return seconds, items


def worker_hand_multi(corpus_root: Path, out: Path, jobs: int) -> dict[str, Any]:
    start = time.monotonic()
    paths = sorted(str(p) for p in corpus_root.rglob("*.flac"))
    out.mkdir(parents=True, exist_ok=True)
    chunks = [(paths[i : i + CHUNK], str(out / f"hand-{i // CHUNK:06d}.tar")) for i in range(0, len(paths), CHUNK)]
    with multiprocessing.Pool(jobs) as pool:
        done = list(pool.imap_unordered(hand_multi_chunk, chunks))
    return {"seconds": sum(s for s, _ in done), "items": sum(n for _, n in done), "inner_s": time.monotonic() - start}


def worker_hand(corpus_root: Path, out: Path, jobs: int) -> dict[str, Any]:
    start = time.monotonic()
    ids = [line.split("|", 1)[0] for line in (corpus_root / "metadata.csv").read_text().splitlines() if line]
    paths = [str(corpus_root / "wavs" / f"{i}.wav") for i in ids]
    out.mkdir(parents=True, exist_ok=True)
    chunks = [(paths[i : i + CHUNK], str(out / f"hand-{i // CHUNK:06d}.tar")) for i in range(0, len(paths), CHUNK)]
    with multiprocessing.Pool(jobs) as pool:
        done = list(pool.imap_unordered(hand_chunk, chunks))
    return {"seconds": sum(s for s, _ in done), "items": sum(n for _, n in done), "inner_s": time.monotonic() - start}


def worker_lhotse(corpus_root: Path, out: Path, jobs: int) -> dict[str, Any]:
    start = time.monotonic()
    from lhotse import CutSet, RecordingSet

    recordings = RecordingSet.from_dir(corpus_root / "wavs", "*.wav")
    cuts = CutSet.from_manifests(recordings=recordings).resample(TARGET_RATE)
    n = len(cuts)
    # Lhotse's default shard_size is 1000; keep shards <= 1000 cuts and their count a multiple of num_jobs so that
    # every process gets the same amount of work (num_jobs > 1 exports one shard per process at a time).
    shards = jobs * max(1, math.ceil(n / (1000 * jobs)))
    shard_size = math.ceil(n / shards)
    out.mkdir(parents=True, exist_ok=True)
    paths = cuts.to_shar(str(out), fields={"recording": "flac"}, num_jobs=jobs, shard_size=shard_size)
    seconds = float(sum(c.duration for c in cuts))
    first = sorted(paths["recording"])[0]
    with tarfile.open(first) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(".flac"))
        f = tar.extractfile(member)
        assert f is not None
        info = sf.info(io.BytesIO(f.read()))
    return {
        "seconds": seconds,
        "items": n,
        "inner_s": time.monotonic() - start,
        "shard_size": shard_size,
        "shards": len(paths["recording"]),
        "flac": f"{info.samplerate} Hz {info.subtype} {info.channels} ch",
    }


# -- the methods, as monitored child processes --------------------------------------------------------------------


def run_worker(kind: str, corpus: Corpus, scale: int, work: Path, jobs: int, label: str) -> Run:
    out = work / f"out-{label}"
    log = work / f"{label}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--corpus", str(corpus.root)]
    cmd += ["--out", str(out), "--jobs", str(jobs)]
    code, wall, mon, stdout = monitored(cmd, log)
    res = last_json(stdout)
    ok = code == 0 and res.get("items") == corpus.recordings * len(corpus.tasks)
    note = "" if ok else f"exit {code}, {res.get('items')} of {corpus.recordings} items; see {log}"
    if code != 0:
        print(log.read_text()[-3000:], file=sys.stderr)
    extra = {k: v for k, v in res.items() if k not in ("seconds", "items", "inner_s")} | tree_extra(mon)
    run = Run(
        kind,
        label,
        scale,
        corpus.seconds * len(corpus.tasks),
        wall,
        res.get("inner_s"),
        mon.peak_rss / 2**20,
        mon.peak_anon / 2**20,
        mon.cpu_seconds,
        mon.peak_procs,
        dir_bytes(out) / 2**20 if out.exists() else 0.0,
        int(res.get("items", 0)),
        ok,
        note,
        extra,
    )
    shutil.rmtree(out, ignore_errors=True)
    return run


def ray_data_ops(ray_tmp: Path) -> dict[str, dict[str, int]]:
    """Tasks and rows per Ray Data operator, from the last ``Operator Metrics`` Ray logged (best effort)."""
    ops: dict[str, dict[str, int]] = {}
    keys = ("num_tasks_submitted", "num_tasks_finished", "num_row_inputs_received", "rows_task_outputs_generated")
    for f in sorted(ray_tmp.glob("**/logs/ray-data/ray-data-dataset_*.log")):
        for line in f.read_text(errors="replace").splitlines():
            m = re.match(r"^(\S.*?): \{'average_num_outputs_per_task'", line)
            if not m:
                continue
            stats = {}
            for k in keys:
                v = re.search(rf"'{k}': (\d+)", line)
                if v:
                    stats[k] = int(v.group(1))
            ops[m.group(1)] = stats
    return ops


def ours_command() -> list[str]:
    exe = Path(sys.executable).parent / "audioflan-ray"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "audioflan_ray"]


def run_ours(corpus: Corpus, scale: int, work: Path, jobs: int, overrides: list[str], label: str = "") -> Run:
    label = label or f"ours-{scale}x"
    out = work / f"out-{label}"
    log = work / f"{label}.log"
    cmd = [
        *ours_command(),
        "build",
        f"sources=[{{recipe: {corpus.recipe}, root: {corpus.root}}}]",
        "audio.simulate.noise=null",
        "output.release_layout=false",  # the baselines write shards only; the export is a second copy of the audio
        "output.energon=false",
        f"output.uri={out}",
        f"build.tasks=[{', '.join(corpus.tasks)}]",
        f"ray.num_cpus={jobs}",
        f"ray.plan_unit_recordings={CHUNK}",  # the demo config's small units suit a laptop demo, not a corpus
        *overrides,
    ]
    ray_tmp = Path(tempfile.mkdtemp(prefix="afb-ray-"))  # short: Ray's socket paths must fit in 107 bytes
    try:
        code, wall, mon, stdout = monitored(cmd, log, env={**os.environ, "RAY_TMPDIR": str(ray_tmp)})
        ops = ray_data_ops(ray_tmp)
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    summary = last_json(stdout)
    stderr = log.read_text(errors="replace")
    m = re.search(r"built in ([0-9.]+) s", stderr)
    got = float(summary.get("audio_hours", 0)) * 3600
    ok = (
        code == 0
        and summary.get("instances") == corpus.recordings * len(corpus.tasks)
        and summary.get("errors") == 0
        and abs(got - corpus.seconds * len(corpus.tasks)) < 1.0
    )
    note = "" if ok else f"exit {code}, summary {summary}; see {log}"
    if code != 0:
        print(stderr[-3000:], file=sys.stderr)
    shards = out / "shards"
    run = Run(
        "ours",
        label,
        scale,
        corpus.seconds * len(corpus.tasks),
        wall,
        float(m.group(1)) if m else None,
        mon.peak_rss / 2**20,
        mon.peak_anon / 2**20,
        mon.cpu_seconds,
        mon.peak_procs,
        dir_bytes(shards) / 2**20 if shards.exists() else 0.0,
        int(summary.get("instances", 0)),
        ok,
        note,
        {"summary": summary, "overrides": overrides, "ray_data_ops": ops} | tree_extra(mon),
    )
    shutil.rmtree(out, ignore_errors=True)
    return run


# -- report ---------------------------------------------------------------------------------------------------------


def table(runs: list[Run], jobs: int) -> str:
    head = (
        f"{'method':<12} {'audio s':>8} {'wall s':>7} {'audio-s/wall-s':>15} {'peak RSS MiB':>13} "
        f"{'anon MiB':>9} {'inner s':>8} {'CPU s':>7} {'CPU use':>8} {'other CPU s':>12} {'procs':>6} {'out MiB':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in runs:
        inner = f"{r.inner_s:8.1f}" if r.inner_s is not None else f"{'-':>8}"
        util = r.cpu_s / (r.wall_s * jobs) if r.wall_s else 0.0
        flag = "" if r.ok else "  FAILED: " + r.note
        lines.append(
            f"{r.label:<12} {r.audio_s:>8.0f} {r.wall_s:>7.1f} {r.rate:>15.0f} {r.peak_rss_mib:>13.0f} "
            f"{r.peak_anon_mib:>9.0f} {inner} {r.cpu_s:>7.1f} {util:>8.0%} {r.extra.get('other_cpu_s', 0):>12.1f} "
            f"{r.peak_procs:>6d} {r.out_mib:>8.0f}{flag}"
        )
    return "\n".join(lines)


def ratios(runs: list[Run]) -> dict[str, Any]:
    by = {r.label: r for r in runs}
    lhotse = [r for r in runs if r.method == "lhotse" and r.ok]
    best_lhotse = max(lhotse, key=lambda r: r.rate) if lhotse else None
    ours1 = by.get("ours-1x")
    out: dict[str, Any] = {"best_lhotse": best_lhotse.label if best_lhotse else None}
    if ours1 and "hand" in by:
        out["ours_vs_hand"] = ours1.rate / by["hand"].rate
    if ours1 and best_lhotse:
        out["ours_vs_lhotse"] = ours1.rate / best_lhotse.rate
    if "ours-multi" in by and "hand-multi" in by:
        out["ours_multi_vs_hand_multi"] = by["ours-multi"].rate / by["hand-multi"].rate
    scaled = [r for r in runs if r.method == "ours" and r.corpus_scale > 1 and r.label != "ours-multi"]
    if ours1 and scaled:
        big = max(scaled, key=lambda r: r.corpus_scale)
        out["ours_rss_ratio"] = {"scale": big.corpus_scale, "ratio": big.peak_rss_mib / ours1.peak_rss_mib}
    return out


def describe(rat: dict[str, Any]) -> str:
    lines = []
    if "ours_vs_hand" in rat:
        v = rat["ours_vs_hand"]
        lines.append(
            f"ours / hand loop        = {v:.2f}x  (target >= {TARGET_VS_HAND}x: {_verdict(v, TARGET_VS_HAND)})"
        )
    if "ours_vs_lhotse" in rat:
        v = rat["ours_vs_lhotse"]
        lines.append(
            f"ours / Lhotse (best: {rat['best_lhotse']}) = {v:.2f}x  "
            f"(target >= {TARGET_VS_LHOTSE}x: {_verdict(v, TARGET_VS_LHOTSE)})"
        )
    if "ours_multi_vs_hand_multi" in rat:
        v = rat["ours_multi_vs_hand_multi"]
        lines.append(
            f"multi-task: ours / hand loop = {v:.2f}x  (target >= {TARGET_MULTI}x: {_verdict(v, TARGET_MULTI)})"
        )
    if "ours_rss_ratio" in rat:
        s = rat["ours_rss_ratio"]
        lines.append(f"ours peak RSS {s['scale']}x / 1x = {s['ratio']:.2f}")
    return "\n".join(lines)


def _verdict(value: float, target: float) -> str:
    return "met" if value >= target else "NOT met"


def environment() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for pkg in ("audioflan-ray", "ray", "pyarrow", "numpy", "soundfile", "soxr", "lhotse", "torch", "psutil"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    cpu = ""
    with contextlib.suppress(OSError):
        names = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        cpu = names[0].split(":", 1)[1].strip() if names else ""
    git = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True)
    import psutil

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "packages": versions,
        "git": git.stdout.strip(),
    }


# -- profile (no Ray) ----------------------------------------------------------------------------------------------


def profile(corpus: Corpus, recordings: int, work: Path, top: int) -> dict[str, Any]:
    """A whole build in this one process (no Ray: the same work functions, ``LocalExecutor``), timed per phase,
    then once more under cProfile; beside the hand loop's chunk on the same recordings."""
    from audioflan_ray import config
    from audioflan_ray.pipeline.build import run_build
    from audioflan_ray.pipeline.executor import LocalExecutor

    def build(out: Path) -> tuple[float, dict[str, float]]:
        cfg = config.load(
            None,
            [
                f"sources=[{{recipe: ljspeech, root: {corpus.root}, limit: {recordings}}}]",
                "audio.simulate.noise=null",
                "output.release_layout=false",
                "output.energon=false",
                f"output.uri={out}",
                f"build.tasks=[{ASR}]",
            ],
        )
        result = run_build(cfg, executor=LocalExecutor())
        return float(result.summary["audio_hours"]) * 3600, dict(result.phases)

    sample = corpus.wavs()[:recordings]
    n = len(sample)
    print(f"\nprofile: {n} recordings, one process, no Ray", flush=True)
    hand_chunk(([str(p) for p in sample], str(work / "profile-hand.tar")))  # warm the page cache and first calls
    build(work / "profile-warm")
    t0 = time.perf_counter()
    hand_s, _ = hand_chunk(([str(p) for p in sample], str(work / "profile-hand.tar")))
    hand_wall = time.perf_counter() - t0
    t0 = time.perf_counter()
    audio, phases = build(work / "profile-timed")
    ours_wall = time.perf_counter() - t0
    prof = cProfile.Profile()
    prof.enable()
    build(work / "profile-cprofile")
    prof.disable()
    (work / "profile-hand.tar").unlink(missing_ok=True)
    for p in ("profile-warm", "profile-timed", "profile-cprofile"):
        shutil.rmtree(work / p, ignore_errors=True)
    print(f"hand loop, 1 process : {hand_s:8.0f} audio s in {hand_wall:6.2f} s = {hand_s / hand_wall:6.0f} audio-s/s")
    print(f"our build, 1 process : {audio:8.0f} audio s in {ours_wall:6.2f} s = {audio / ours_wall:6.0f} audio-s/s")
    print(f"{'phase':<12} {'seconds':>8} {'share':>6}")
    for key, sec in phases.items():
        print(f"{key:<12} {sec:>8.3f} {sec / ours_wall:>6.1%}")
    stream = io.StringIO()
    stats = pstats.Stats(prof, stream=stream)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    print(stream.getvalue())
    return {
        "recordings": n,
        "hand_1proc_rate": hand_s / hand_wall,
        "ours_1proc_rate": audio / ours_wall,
        "phases": phases,
    }


# -- main -----------------------------------------------------------------------------------------------------------


def offline() -> bool:
    home = Path(os.environ.get("HOME", "/nonexistent"))
    return os.environ.get("RAY_USAGE_STATS_ENABLED") == "0" and (home / "ray_bootstrap_config.yaml").is_file()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=10.0, help="hours of audio in the 1x corpus (default 10)")
    ap.add_argument("--scales", default="1,4", help="corpus scales for ours (memory check); default 1,4")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="processes / Ray CPUs (default: cores)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per method; the best is reported (default 1)")
    ap.add_argument("--methods", default="hand,lhotse,ours", help="subset to run (default hand,lhotse,ours)")
    ap.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra override for our build, e.g. --set ray.stages.decode.batch_size=32 (repeatable)",
    )
    ap.add_argument("--profile", action="store_true", help="profile our stages without Ray instead of the benchmark")
    ap.add_argument("--profile-recordings", type=int, default=256, help="recordings the profile runs (default 256)")
    ap.add_argument("--top", type=int, default=15, help="functions shown by the profile (default 15)")
    ap.add_argument("--work-dir", type=Path, default=None, help="where temp corpora and outputs go (default: TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep the temp corpora and logs")
    ap.add_argument("--no-save", action="store_true", help="do not write bench/results/throughput-<date>.json")
    ap.add_argument("--multitask-hours", type=float, default=2.0, help="hours of the multi-task case (0: skip it)")
    ap.add_argument("--worker", choices=("hand", "hand-multi", "lhotse"), help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.worker:
        fn = {"hand": worker_hand, "hand-multi": worker_hand_multi, "lhotse": worker_lhotse}[args.worker]
        print(json.dumps(fn(args.corpus, args.out, args.jobs)), flush=True)
        return 0
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    missing = [m for m in ("psutil", "lhotse") if importlib.util.find_spec(m) is None]
    if missing:
        # Installs need the network, which tools/offline cuts: install first, outside it.
        need = "psutil" in missing or ("lhotse" in methods and not args.profile)
        print(
            f"{'error' if need else 'note'}: {', '.join(missing)} not installed; run "
            f"`.venv/bin/pip install -r bench/requirements.txt` (outside tools/offline)",
            file=sys.stderr,
        )
        if need:
            return 2
    if "ours" in methods and not args.profile and not offline():
        print(f"re-running under {OFFLINE} (Ray must stay on loopback)", file=sys.stderr, flush=True)
        os.execv(str(OFFLINE), [str(OFFLINE), sys.executable, *sys.argv])
    scales = sorted({int(s) for s in args.scales.split(",") if s.strip()} | {1})
    work = Path(tempfile.mkdtemp(prefix="afbench-", dir=args.work_dir))
    try:
        return bench(args, methods, [1] if args.profile else scales, work)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def bench(args: argparse.Namespace, methods: list[str], scales: list[int], work: Path) -> int:
    src = source_corpus()
    corpora: dict[int, Corpus] = {}
    for s in scales:
        t0 = time.monotonic()
        corpora[s] = make_corpus(src, work / f"corpus-{s}x", args.hours * s)
        c = corpora[s]
        print(
            f"corpus {s}x: {c.recordings} recordings, {c.seconds / 3600:.2f} h from {src} "
            f"({'hard links' if c.linked else 'copies'}, {time.monotonic() - t0:.1f} s)",
            flush=True,
        )
    if args.profile:
        profile(corpora[1], args.profile_recordings, work, args.top)
        return 0
    env = environment()
    print(f"{env['cpus']} CPUs ({env['cpu']}), {env['memory_gib']} GiB; jobs={args.jobs}; git {env['git']}")
    runs: list[Run] = []

    def done(r: Run) -> None:
        runs.append(r)
        print(
            f"  {r.label}: {r.rate:.0f} audio-s/s, {r.wall_s:.1f} s, peak {r.peak_rss_mib:.0f} MiB"
            + ("" if r.ok else f"  FAILED: {r.note}"),
            flush=True,
        )

    one = corpora[1]
    all_runs: list[Run] = []

    def best(make: Callable[[], Run]) -> None:
        tries = [make() for _ in range(args.repeat)]
        all_runs.extend(tries)
        done(max(tries, key=lambda r: (r.ok, r.rate)))

    if "hand" in methods:
        best(lambda: run_worker("hand", one, 1, work, args.jobs, "hand"))
    if "lhotse" in methods:
        for j in sorted({1, args.jobs}):
            best(functools.partial(run_worker, "lhotse", one, 1, work, j, f"lhotse-j{j}"))
    if "ours" in methods:
        for s in scales:
            best(functools.partial(run_ours, corpora[s], s, work, args.jobs, args.overrides))
    if args.multitask_hours > 0 and "hand" in methods and "ours" in methods:
        t0 = time.monotonic()
        multi = make_librispeech(src, work / "corpus-multi", args.multitask_hours)
        took = time.monotonic() - t0
        print(f"multi-task corpus: {multi.recordings} recordings x {len(multi.tasks)} tasks ({took:.1f} s)")
        best(lambda: run_worker("hand-multi", multi, 1, work, args.jobs, "hand-multi"))
        best(functools.partial(run_ours, multi, 1, work, args.jobs, args.overrides, "ours-multi"))
    print()
    print(table(runs, args.jobs))
    rat = ratios(runs)
    print()
    print(describe(rat))
    print()
    for r in runs:
        if r.method == "ours":
            print(f"{r.label}: CPU s by role {r.extra['cpu_s_by_role']}")
            print(f"{' ' * len(r.label)}  RSS MiB by role at peak {r.extra['rss_mib_by_role_at_peak']}")
            print(f"{' ' * len(r.label)}  processes seen {r.extra['processes_by_role']}")
            print(f"{' ' * len(r.label)}  summed RSS MiB at 25/50/75/100 % of the run {r.extra['rss_mib_at_quarters']}")
            print(f"{' ' * len(r.label)}  largest single process {r.extra['largest_process']}")
            for op, st in r.extra.get("ray_data_ops", {}).items():
                print(f"{' ' * len(r.label)}  Ray Data op {op}: {st}")
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        today = dt.date.today().isoformat()
        name = f"throughput-{today}.json" if args.hours == 10 else f"throughput-{today}-{args.hours:g}h.json"
        payload = {
            "date": today,
            "command": " ".join([Path(sys.executable).name, "bench/throughput.py", *sys.argv[1:]]),
            "hours": args.hours,
            "jobs": args.jobs,
            "corpus": {
                str(s): {"recordings": c.recordings, "audio_s": c.seconds, "source": c.source}
                for s, c in corpora.items()
            },
            "environment": env,
            "repeat": args.repeat,
            "runs": [{**asdict(r), "audio_s_per_wall_s": r.rate} for r in runs],
            "all_runs": [{**asdict(r), "audio_s_per_wall_s": r.rate} for r in all_runs] if args.repeat > 1 else [],
            "ratios": rat,
            "targets": {"ours_vs_hand": TARGET_VS_HAND, "ours_vs_lhotse": TARGET_VS_LHOTSE},
        }
        (RESULTS / name).write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nwrote {RESULTS / name}")
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
