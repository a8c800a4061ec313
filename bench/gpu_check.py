"""Every GPU check and figure in one run (for a machine with a CUDA GPU):

    tools/offline .venv/bin/python bench/gpu_check.py [--seconds 3600]

1. the GPU test suite (tests/gpu), 2. GPU-vs-CPU agreement of the dsp stage's numerics on real speech (resampling
against CPU torchaudio and soxr, log-mel, Kaldi fbank), 3. throughput of the dsp stage (resample + quality + log-mel)
on CPU and on GPU over the same segments, as audio seconds per wall second, 4. an end-to-end build of the bundled
samples with conf/gpu.yaml, validated. Prints one JSON report last; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3600.0, help="audio seconds for the throughput run")
    ap.add_argument(
        "--dry-run-cpu", action="store_true", help="run every step with 'cpu' for 'cuda' (checks the script)"
    )
    args = ap.parse_args()
    import torch

    report: dict[str, object] = {"cuda": torch.cuda.is_available()}
    gpu_dev = "cpu" if args.dry_run_cpu else "cuda"
    if not torch.cuda.is_available() and not args.dry_run_cpu:
        print(json.dumps({**report, "error": "no CUDA GPU: nothing to check"}))
        return 1
    report["device_name"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu (dry run)"
    ok = True
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/gpu"], cwd=REPO, capture_output=True, text=True
    )
    report["gpu_tests"] = tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else tests.stderr[-500:]
    ok &= tests.returncode == 0

    from audioflan_ray.audio import features as feat
    from audioflan_ray.audio import ops
    from audioflan_ray.audio.gpu import resample_batch

    audio, rate = sf.read(
        REPO / "audioflan_ray/demo/samples/ljspeech/LJSpeech-1.1/wavs/LJ001-0002.wav", dtype="float32"
    )
    clips = [audio, audio[: len(audio) // 2], np.concatenate([audio, audio])]
    gpu = resample_batch(clips, rate, 16000, gpu_dev)
    cpu = resample_batch(clips, rate, 16000, "cpu")
    sox = [ops.resample(c, rate, 16000, "soxr") for c in clips]
    agree = {
        "resample_gpu_vs_cpu_max_abs": float(max(np.max(np.abs(g - c)) for g, c in zip(gpu, cpu, strict=True))),
        "resample_gpu_vs_soxr_rel_rms": float(
            max(
                np.sqrt(np.mean((g[: len(s)] - s[: len(g)]) ** 2)) / np.sqrt(np.mean(s**2))
                for g, s in zip(gpu, sox, strict=True)
            )
        ),
        "log_mel_gpu_vs_cpu_max_abs": float(
            max(
                np.max(np.abs(a - b))
                for a, b in zip(
                    feat.log_mel_batch(cpu, 16000, gpu_dev), feat.log_mel_batch(cpu, 16000, "cpu"), strict=True
                )
            )
        ),
        "fbank_gpu_vs_cpu_max_abs": float(
            np.max(np.abs(feat.kaldi_fbank(cpu[0], 16000, 80, gpu_dev) - feat.kaldi_fbank(cpu[0], 16000, 80, "cpu")))
        ),
    }
    report["agreement"] = agree
    ok &= agree["resample_gpu_vs_cpu_max_abs"] < 1e-4 and agree["resample_gpu_vs_soxr_rel_rms"] < 0.05
    ok &= agree["log_mel_gpu_vs_cpu_max_abs"] < 1e-2 and agree["fbank_gpu_vs_cpu_max_abs"] < 1e-2

    from audioflan_ray import config
    from audioflan_ray.pipeline.stages import STAGES

    dsp = next(s for s in STAGES if s.name == "dsp")
    seg = audio[: int(10 * rate)] if len(audio) >= 10 * rate else np.resize(audio, int(10 * rate))
    n = max(1, int(args.seconds // 10))
    rows = [{"samples": seg.tobytes(), "sample_rate": rate, "domain": "speech", "error": ""} for _ in range(n)]
    figures = {}
    for device in ("cpu", "cuda"):
        fn = dsp.setup(config.load(None, [f"audio.device={device}", "audio.features.kind=log_mel"]))  # cuda falls
        # back to the CPU (with a warning) where there is none, which is what --dry-run-cpu exercises
        fn(rows[:4])  # warm-up (kernels, CUDA context)
        t = time.monotonic()
        for i in range(0, n, 64):
            fn(rows[i : i + 64])  # type: ignore[arg-type]
        if device == "cuda" and torch.cuda.is_available():
            torch.cuda.synchronize()
        figures[device] = round(n * 10 / (time.monotonic() - t), 1)
    report["dsp_audio_s_per_s"] = figures
    report["dsp_gpu_over_cpu"] = round(figures["cuda"] / figures["cpu"], 2)

    try:
        import ray  # noqa: F401
    except ImportError:
        report["build"] = "skipped: ray is not installed on this machine"
        report["ok"] = bool(ok)
        print(json.dumps(report, indent=2))
        return 0 if ok else 1
    out = Path("/tmp/audioflan-gpu-check")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "audioflan_ray",
            "build",
            "-c",
            "conf/gpu.yaml",
            f"output.uri={out}",
            "--force",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    report["build"] = build.stdout.strip().splitlines()[-1] if build.returncode == 0 else build.stderr[-2000:]
    valid = subprocess.run(
        [sys.executable, "-m", "audioflan_ray", "validate", str(out)], cwd=REPO, capture_output=True, text=True
    )
    report["validate_ok"] = valid.returncode == 0
    ok &= build.returncode == 0 and valid.returncode == 0
    report["ok"] = bool(ok)
    print(json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
