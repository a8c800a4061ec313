"""Where time and memory go as corpora grow: whole builds, and plan + commit without audio work, at growing sizes.

A synthetic corpus in FSDD's native layout (``recordings/<digit>_<speaker>_<take>.wav``) is made of real FSDD clips
hard-linked under new names (676 speakers, so speaker pools and held-out splits stay realistic). For each size:

* **whole** builds (``audioflan-ray build``, a subprocess with Ray started in it; ``--tasks`` per recording);
* **plan + commit**: the same driver (``run_build``) whose unit work writes a synthetic sample per instance instead of
  decoding audio (``SyntheticUnits``), so scanning, linking, packing and committing are measured at sizes whose audio
  work would take hours here.

Recorded per run: wall time by phase (from the build's own ``[phases]`` line), the DRIVER's peak RSS (the build
process alone, polled every 0.2 s: workers are not the driver), overall and per phase, recordings/s, shard count
and size percentiles, ``manifest.json``, ``shards.parquet`` and ``units.parquet`` bytes. Ratios are against the
smallest size of the same kind, measured in the same run.

**Incremental nights** (``--incremental``, ``--scenarios``): night 1 builds a corpus; 1 % of it changes (see
``change_corpus``); night 2 builds it with ``build.reuse_from`` night 1; a fresh build of the changed corpus is the
reference. Recorded: units built / planned, night 2's wall and audio phase against the fresh build's, and whether
night 2's shards equal the fresh build's (path, bytes, sha256).

    make bench-scale                                         # 10k and 100k whole, 1M plan + commit, 10k nights
    tools/offline .venv/bin/python bench/scale.py --whole 2000 --plan-commit 20000 --incremental ''   # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OFFLINE = REPO / "tools" / "offline"
RESULTS = Path(__file__).resolve().parent / "results"
SHARED_FSDD = REPO.parent / "shared" / "corpora" / "fsdd" / "recordings"
SAMPLE_FSDD = REPO / "audioflan_ray" / "demo" / "samples" / "fsdd" / "recordings"
TASKS = ("Automatic Speech Recognition", "Text to Speech", "Speaker Verification", "Speaker Identification")
SYNTHETIC_SAMPLE = 6000  # bytes of audio per synthetic instance: an FSDD clip (0.4 s) as 16 kHz FLAC


def speakers() -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [f"spk{a}{b}" for a in letters for b in letters]


def fsdd_clips() -> list[Path]:
    return sorted((SHARED_FSDD if SHARED_FSDD.is_dir() else SAMPLE_FSDD).glob("*.wav"))


def take(clips: list[Path], names: list[str], j: int) -> tuple[Path, str]:
    """Recording ``j`` of the synthetic corpus: its real clip (cycled) and its FSDD name (speakers in turn)."""
    clip = clips[j % len(clips)]
    return clip, f"{clip.name.split('_', 1)[0]}_{names[j % len(names)]}_{j // len(names)}.wav"


def make_corpus(parent: Path, recordings: int) -> Path:
    """``recordings`` FSDD-layout files, hard links to the real clips (cycled)."""
    clips, names = fsdd_clips(), speakers()
    root = parent / f"fsdd-{recordings}"
    rec = root / "recordings"
    rec.mkdir(parents=True)
    for j in range(recordings):
        clip, name = take(clips, names, j)
        os.link(clip, rec / name)
    return root


class DriverMonitor(threading.Thread):
    """Peak RSS of one process (the build's driver), polled, overall and per phase (the last ``[phase] NAME ...``
    line its log shows when the sample is taken)."""

    def __init__(self, pid: int, log: Path):
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.log = log
        self.peak = 0
        self.by_phase: dict[str, int] = {}
        self._done = threading.Event()

    def run(self) -> None:
        phase, seen = "start", 0
        while not self._done.is_set():
            try:
                rss = self.proc.memory_info().rss
            except Exception:  # the process ended
                return
            with self.log.open("rb") as f:
                f.seek(seen)
                fresh = f.read()
            seen += len(fresh)
            for m in re.finditer(rb"^\[phase\] (\w+) \.\.\.$", fresh, re.M):
                phase = m.group(1).decode()
            self.peak = max(self.peak, rss)
            self.by_phase[phase] = max(self.by_phase.get(phase, 0), rss)
            time.sleep(0.2)

    def stop(self) -> None:
        self._done.set()
        self.join()


def overrides(corpus: Path, out: Path, tasks: Sequence[str], units: int, shard_max_bytes: int) -> list[str]:
    return [
        f"sources=[{{recipe: fsdd, root: {corpus}}}]",
        f"output.uri={out}",
        f"build.tasks=[{', '.join(tasks)}]",
        "audio.simulate.noise=null",
        "output.release_layout=false",
        "output.energon=false",
        f"ray.plan_unit_recordings={units}",
        f"output.shard_max_bytes={shard_max_bytes}",  # the demo config's 64 MiB is for laptops
        "ray.progress_interval_s=30",
        "build.max_error_fraction=1.0",
    ]


def run_driver(cmd: list[str], log: Path) -> tuple[int, float, DriverMonitor, str]:
    start = time.monotonic()
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True)
        mon = DriverMonitor(proc.pid, log)
        mon.start()
        out, _ = proc.communicate()
        mon.stop()
    return proc.returncode, time.monotonic() - start, mon, out


def phases_of(log: Path) -> dict[str, float]:
    m = re.search(r"^\[phases\] (.*)$", log.read_text(errors="replace"), re.M)
    if not m:
        return {}
    return {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+) s", m.group(1))}


def measure(kind: str, n: int, corpus: Path, out: Path, log: Path, cmd: list[str]) -> dict[str, Any]:
    code, wall, mon, stdout = run_driver(cmd, log)
    if code != 0:
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise SystemExit(f"{kind} {n}: exit {code}")
    index = pq.read_table(out / "shards.parquet").to_pylist()
    sizes = np.array([s["num_bytes"] for s in index], dtype=np.float64)
    folders = {s["path"].rsplit("/", 1)[0] for s in index}
    summary = json.loads(stdout.strip().splitlines()[-1])
    row = {
        "kind": kind,
        "recordings": n,
        "instances": summary["instances"],
        "wall_s": round(wall, 2),
        "phases_s": phases_of(log),
        "driver_peak_rss_mib": round(mon.peak / 2**20, 1),
        "driver_peak_rss_mib_by_phase": {k: round(v / 2**20, 1) for k, v in mon.by_phase.items()},
        "recordings_per_s": round(n / wall, 1),
        "shards": len(index),
        "task_folders": len(folders),
        "shard_mib_p10_p50_p90": [round(float(np.percentile(sizes, q)) / 2**20, 2) for q in (10, 50, 90)],
        "samples_per_shard_p50": float(np.median([s["num_samples"] for s in index])),
        "manifest_bytes": (out / "manifest.json").stat().st_size,
        "shards_parquet_bytes": (out / "shards.parquet").stat().st_size,
        "units_parquet_bytes": (out / "units.parquet").stat().st_size,
    }
    text = log.read_text(errors="replace")
    units = re.search(
        r"^\[units\] (\d+) planned: (\d+) already complete.*?, (\d+) reused from .*?, (\d+) to build", text, re.M
    )
    planned = re.search(r"^\[plan\] (\d+) recordings", text, re.M)
    if planned:
        row["planned_recordings"] = int(planned.group(1))
    if units:
        row["units"] = dict(zip(("planned", "resumed", "adopted", "built"), map(int, units.groups()), strict=True))
    print(json.dumps(row), flush=True)
    return row


# -- plan + commit without audio ------------------------------------------------------------------------------------


def synthetic_unit(cfg: Any, out_uri: str, unit: str) -> dict[str, Any]:
    """One unit's staged output made without audio: per planned instance, a sample of SYNTHETIC_SAMPLE bytes."""
    from audioflan_ray import ids
    from audioflan_ray.pipeline.link import unit_path
    from audioflan_ray.pipeline.scan import storage_options
    from audioflan_ray.schema import folder_of
    from audioflan_ray.sink.pieces import UnitWriter
    from audioflan_ray.storage import Root
    from audioflan_ray.tasks.engine import templates

    root = Root(out_uri, storage_options(cfg))
    with root.open(unit_path(unit), "rb") as f:
        rows = pq.read_table(f).to_pylist()
    writer = UnitWriter(root, unit, rows[0]["fingerprint"], len(rows), None)
    payload = bytes(SYNTHETIC_SAMPLE)
    all_t = templates()
    for row in rows:
        for minor in json.loads(row["tasks"]):
            t = all_t[minor]
            key = ids.key(row["number"], row["dataset"], row["recording_id"], None, t.code, opaque=True)
            sample = json.dumps({"uuid": key, "task": minor, "split": [row["split"]]}).encode()
            writer.add(
                {
                    "key": key,
                    "folder": folder_of(t.info.domain, t.code, row["split"]),
                    "sample": sample,
                    "members": {"input.flac": payload},
                    "dataset": row["dataset"],
                    "audio_seconds": 0.4,
                    "variant": t.variant(key),
                    "label": "",
                    "task": minor,
                }
            )
    res = writer.close()
    return {"unit": unit, "recordings": res.recordings, "instances": res.instances, "audio_seconds": res.audio_seconds}


def plan_commit_driver(argv: list[str]) -> int:
    """The build driver with synthetic unit work (run as a child process, so that its RSS is the driver's)."""
    from audioflan_ray import config
    from audioflan_ray.pipeline.build import run_build
    from audioflan_ray.pipeline.ray_adapter import RayExecutor

    class SyntheticUnits(RayExecutor):
        def units(
            self, cfg: Any, out_uri: str, units: Sequence[tuple[str, int]], datasets: dict[str, Any]
        ) -> Iterator[dict[str, Any]]:
            yield from self.map(synthetic_unit, [(cfg, out_uri, u) for u, _ in units])

    cfg = config.load(None, argv)
    result = run_build(cfg, executor=SyntheticUnits(cfg))
    print(json.dumps(result.summary), flush=True)
    return 0


# -- an incremental night ----------------------------------------------------------------------------------------------


def change_corpus(root: Path, n: int, scenario: str) -> dict[str, int]:
    """1 % of ``n`` recordings: ``scattered`` = a third added, a third changed, a third deleted, spread evenly over
    the corpus (the worst case for reuse: the changes hit as many units as they can); ``appended`` = new takes of
    existing speakers, also spread over the corpus; ``new_speakers`` = every recording of a few new speakers (how a
    corpus release grows: new speakers, folders or clips, together in the plan's order)."""
    rec = root / "recordings"
    clips, names = fsdd_clips(), speakers()
    files = sorted(rec.glob("*.wav"))
    k = max(1, n // 100)
    added = changed = deleted = 0
    if scenario == "scattered":
        third = max(1, k // 3)
        picks = np.random.default_rng(0).choice(len(files), size=2 * third, replace=False)
        for i, j in enumerate(picks):
            f = files[int(j)]
            f.unlink()
            if i < third:  # changed: other audio under the same name
                os.link(clips[(int(j) + 7) % len(clips)], f)
                changed += 1
            else:
                deleted += 1
        k = third
    takes = max(1, n // len(names))  # as many takes per new speaker as the others have
    for j in range(n, n + k):
        clip, name = take(clips, names, j)
        if scenario == "new_speakers":
            who = (j - n) // takes  # FSDD speaker names are letters only; "spl.." sorts after every "spk.."
            name = f"{name.split('_', 1)[0]}_spl{names[who][3:]}_{(j - n) % takes}.wav"
        os.link(clip, rec / name)
        added += 1
    return {"added": added, "changed": changed, "deleted": deleted}


def shard_digests(out: Path) -> list[tuple[str, int, str]]:
    return sorted((s["path"], s["num_bytes"], s["sha256"]) for s in pq.read_table(out / "shards.parquet").to_pylist())


def incremental(work: Path, n: int, base: list[str], scenarios: Sequence[str]) -> list[dict[str, Any]]:
    """Night 1 builds the corpus; per scenario, 1 % of it changes, night 2 reuses night 1 (``build.reuse_from``), and
    a fresh build of the changed corpus is the reference: same shards, and what the night cost against it."""
    rows: list[dict[str, Any]] = []
    for scenario in scenarios:
        corpus = make_corpus(work, n)
        night1 = work / f"night1-{n}"
        cmd = [sys.executable, "-m", "audioflan_ray", "build", *base, f"sources=[{{recipe: fsdd, root: {corpus}}}]"]
        first = measure("night 1", n, corpus, night1, work / "night1.log", [*cmd, f"output.uri={night1}"])
        change = change_corpus(corpus, n, scenario)
        night2, fresh = work / f"night2-{n}", work / f"fresh-{n}"
        second = measure(
            "night 2",
            n,
            corpus,
            night2,
            work / "night2.log",
            [*cmd, f"output.uri={night2}", f"build.reuse_from={night1}"],
        )
        full = measure("fresh", n, corpus, fresh, work / "fresh.log", [*cmd, f"output.uri={fresh}"])
        expected = n + change["added"] - change["deleted"]
        if second.get("planned_recordings") != expected:  # a change the recipe refused would measure nothing
            got = second.get("planned_recordings")
            raise SystemExit(f"{scenario}: night 2 planned {got} recordings, not {expected}")
        row = {
            "kind": "incremental",
            "scenario": scenario,
            "recordings": n,
            "change": change,
            "night1_wall_s": first["wall_s"],
            "night2_wall_s": second["wall_s"],
            "fresh_wall_s": full["wall_s"],
            "night2_vs_fresh_wall": round(second["wall_s"] / full["wall_s"], 3),
            "night2_phases_s": second["phases_s"],
            "fresh_phases_s": full["phases_s"],
            "night2_audio_vs_fresh": round(
                second["phases_s"].get("audio", 0) / max(full["phases_s"].get("audio", 0), 1e-9), 3
            ),
            "units": second.get("units"),
            "units_built_fraction": round(second["units"]["built"] / second["units"]["planned"], 3)
            if second.get("units")
            else None,
            "equals_fresh": shard_digests(night2) == shard_digests(fresh),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
        for p in (night1, night2, fresh, corpus):
            shutil.rmtree(p)
    return rows


# -- main --------------------------------------------------------------------------------------------------------------


def offline() -> bool:
    home = Path(os.environ.get("HOME", "/nonexistent"))
    return os.environ.get("RAY_USAGE_STATS_ENABLED") == "0" and (home / "ray_bootstrap_config.yaml").is_file()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--whole", default="10000,100000", help="recordings of the whole builds (comma-separated)")
    ap.add_argument("--plan-commit", default="10000,100000,1000000", help="recordings of the plan + commit runs")
    ap.add_argument("--units", type=int, default=64, help="ray.plan_unit_recordings (default 64)")
    ap.add_argument(
        "--shard-max-bytes",
        type=int,
        default=512 << 20,
        help="output.shard_max_bytes (default 512 MiB, the production default of conf/cluster.yaml and nightly.yaml)",
    )
    ap.add_argument("--tasks", default=",".join(TASKS), help="tasks per recording (default: ASR, TTS, SV, spk id)")
    ap.add_argument(
        "--incremental",
        default="10000",
        help="recordings of the incremental-night runs (1 %% of the corpus changes; comma-separated, empty: none)",
    )
    ap.add_argument(
        "--scenarios",
        default="scattered,appended,new_speakers",
        help="incremental changes: scattered, appended, new_speakers",
    )
    ap.add_argument("--out", type=Path, default=None, help="results file (default bench/results/scale-<date>.json)")
    ap.add_argument("--work-dir", type=Path, default=None)
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--driver", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.driver is not None:
        return plan_commit_driver(args.driver)
    if not offline():
        print(f"re-running under {OFFLINE} (Ray must stay on loopback)", file=sys.stderr, flush=True)
        os.execv(str(OFFLINE), [str(OFFLINE), sys.executable, *sys.argv])
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    whole = [int(x) for x in args.whole.split(",") if x.strip()]
    planc = [int(x) for x in args.plan_commit.split(",") if x.strip()]
    incr = [int(x) for x in args.incremental.split(",") if x.strip()]
    scenarios = [x.strip() for x in args.scenarios.split(",") if x.strip()]
    unknown = sorted(set(scenarios) - {"scattered", "appended", "new_speakers"})
    if unknown:
        ap.error(f"unknown scenario(s) {unknown}; choose from scattered, appended, new_speakers")
    work = Path(tempfile.mkdtemp(prefix="afscale-", dir=args.work_dir))
    rows: list[dict[str, Any]] = []
    try:
        for n in sorted(set(whole) | set(planc)):
            t0 = time.monotonic()
            corpus = make_corpus(work, n)
            print(f"corpus {n}: {time.monotonic() - t0:.1f} s", flush=True)
            if n in planc:
                out = work / f"pc-{n}"
                cmd = [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--driver",
                    *overrides(corpus, out, tasks, args.units, args.shard_max_bytes),
                ]
                rows.append(measure("plan+commit", n, corpus, out, work / f"pc-{n}.log", cmd))
                shutil.rmtree(out)
            if n in whole:
                out = work / f"whole-{n}"
                over = overrides(corpus, out, tasks, args.units, args.shard_max_bytes)
                cmd = [sys.executable, "-m", "audioflan_ray", "build", *over]
                rows.append(measure("whole", n, corpus, out, work / f"whole-{n}.log", cmd))
                shutil.rmtree(out)
            shutil.rmtree(corpus)
        for n in incr:
            base = overrides(Path("unused"), Path("unused"), tasks, args.units, args.shard_max_bytes)
            base = [o for o in base if not o.startswith(("sources=", "output.uri="))]
            rows += incremental(work, n, base, scenarios)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "command": " ".join(["bench/scale.py", *(argv or sys.argv[1:])]),
        "tasks": tasks,
        "unit_recordings": args.units,
        "shard_max_bytes": args.shard_max_bytes,
        "runs": rows,
        "ratios": ratios(rows),
    }
    print(json.dumps(report["ratios"], indent=2))
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = args.out or RESULTS / f"scale-{report['date']}.json"
        path.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {path}")
    return 0


def ratios(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per kind, each size against the smallest: driver RSS, plan seconds per recording, wall per recording."""
    out: dict[str, Any] = {}
    for kind in sorted({r["kind"] for r in rows} & {"whole", "plan+commit"}):
        runs = sorted((r for r in rows if r["kind"] == kind), key=lambda r: r["recordings"])
        base = runs[0]
        out[kind] = {
            str(r["recordings"]): {
                "driver_rss_vs_smallest": round(r["driver_peak_rss_mib"] / base["driver_peak_rss_mib"], 3),
                "plan_s_per_1k_recordings": round(1000 * r["phases_s"].get("plan", 0) / r["recordings"], 3),
                "wall_s_per_1k_recordings": round(1000 * r["wall_s"] / r["recordings"], 3),
                "median_shard_mib": r["shard_mib_p10_p50_p90"][1],
            }
            for r in runs
        }
    return out


if __name__ == "__main__":
    sys.exit(main())
