"""FLAC encoder effort against speed and size: why ``audio.flac_compression`` defaults to 0.

Encodes the same real speech (LJ Speech, resampled to 16 kHz mono as a build does) at each effort level with
``audioflan_ray.audio.ops.encode_flac`` and at soundfile's own default (no level given), best of ``--repeat``
passes. Figures are ratios against level 0 measured in the same run.

    .venv/bin/python bench/flac_level.py            # no Ray; a few seconds
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from audioflan_ray.audio.ops import encode_flac, resample  # noqa: E402

SHARED = REPO.parent / "shared" / "corpora" / "ljspeech" / "LJSpeech-1.1" / "wavs"
SAMPLES = REPO / "audioflan_ray" / "demo" / "samples" / "ljspeech" / "LJSpeech-1.1" / "wavs"


def library_default(audio: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), rate, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="passes per level; the fastest counts (default 5)")
    args = ap.parse_args(argv)
    src = SHARED if SHARED.is_dir() else SAMPLES
    clips = []
    for path in sorted(src.glob("*.wav")):
        audio, rate = sf.read(path, dtype="float32")
        clips.append(resample(audio, rate, 16000))
    seconds = sum(len(c) for c in clips) / 16000
    coders: list[tuple[str, Callable[[np.ndarray, int], bytes]]] = [
        (f"level {lv:.2f}", lambda a, r, lv=lv: encode_flac(a, r, lv)) for lv in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    coders.append(("soundfile default", library_default))
    print(f"{len(clips)} clips, {seconds:.0f} s of 16 kHz speech from {src}")
    print(f"{'encoder':<18} {'audio-s/s':>10} {'speed vs 0':>10} {'MiB':>8} {'size vs 0':>9} {'vs PCM':>7}")
    base: tuple[float, int] | None = None
    for name, code in coders:
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            size = sum(len(code(c, 16000)) for c in clips)
            best = min(best, time.perf_counter() - t0)
        rate_ = seconds / best
        base = base or (rate_, size)
        print(
            f"{name:<18} {rate_:>10.0f} {rate_ / base[0]:>9.2f}x {size / 2**20:>8.2f} {size / base[1]:>8.3f}x "
            f"{size / (seconds * 32000):>6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
