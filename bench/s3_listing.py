"""S3 listing and planning rate on a local S3 server (moto on 127.0.0.1), against a plain recursive listing.

    tools/offline .venv/bin/python bench/s3_listing.py [--objects 20000]

Uploads a LibriSpeech-layout corpus of N small objects (speakers / chapters / utterances + one .trans.txt per
chapter), then times, in the same run: (1) one recursive listing from the driver (``s3fs.find``, the baseline),
(2) our parallel per-prefix listing (``storage.parallel_find``), (3) the whole plan of the ``librispeech`` recipe
(listing + reading every transcript). Prints objects per second and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--objects", type=int, default=20000, help="objects in the bucket (default 20000)")
    ap.add_argument("--repeat", type=int, default=3, help="timings per method; the best is shown")
    args = ap.parse_args()

    from tests.integration.conftest import free_port, wait_port

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=endpoint,
    )
    try:
        wait_port(port)
        import boto3

        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="bench")
        per_chapter = 20
        chapters = max(1, args.objects // (per_chapter + 1))
        keys: list[tuple[str, bytes]] = []
        for c in range(chapters):
            spk, chap = 1000 + c // 10, 100000 + c
            folder = f"LibriSpeech/train-clean-100/{spk}/{chap}"
            lines = [f"{spk}-{chap}-{u:04d} SOME WORDS OF UTTERANCE {u}" for u in range(per_chapter)]
            keys.append((f"{folder}/{spk}-{chap}.trans.txt", "\n".join(lines).encode()))
            keys += [(f"{folder}/{spk}-{chap}-{u:04d}.flac", b"fLaC") for u in range(per_chapter)]
        t0 = time.monotonic()
        with ThreadPoolExecutor(32) as pool:
            list(pool.map(lambda kv: s3.put_object(Bucket="bench", Key=kv[0], Body=kv[1]), keys))
        print(f"uploaded {len(keys)} objects in {time.monotonic() - t0:.1f} s", flush=True)

        from audioflan_ray.recipes.base import registry
        from audioflan_ray.storage import Root, StorageOptions, _s3, parallel_find

        def best(fn: object) -> tuple[float, int]:
            times, n = [], 0
            for _ in range(args.repeat):
                t = time.monotonic()
                n = fn()  # type: ignore[operator]
                times.append(time.monotonic() - t)
            return min(times), n

        def sequential() -> int:
            fs = _s3(endpoint)
            fs.invalidate_cache()
            return len([p for p, i in fs.find("bench/LibriSpeech", detail=True).items() if i["type"] != "directory"])

        def parallel() -> int:
            return len(parallel_find(_s3(endpoint), "bench/LibriSpeech"))

        def plan() -> int:
            recipe = registry()["librispeech"](Root("s3://bench/LibriSpeech", StorageOptions(endpoint)))
            return sum(1 for _ in recipe.scan())

        rows = {}
        for name, fn in (
            ("recursive listing (baseline)", sequential),
            ("parallel per-prefix listing", parallel),
            ("librispeech plan (list + read transcripts)", plan),
        ):
            secs, n = best(fn)
            rows[name] = {"seconds": round(secs, 3), "items": n, "objects_per_s": round(len(keys) / secs, 1)}
            print(f"{name:<44} {secs:7.2f} s  {len(keys) / secs:9.0f} objects/s  ({n} items)", flush=True)
        base = rows["recursive listing (baseline)"]["objects_per_s"]
        for name in list(rows)[1:]:
            print(f"{name:<44} {rows[name]['objects_per_s'] / base:.2f}x the baseline")
        out = REPO / "bench" / "results" / f"s3_listing-{time.strftime('%Y-%m-%d')}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps({"objects": len(keys), "results": rows}, indent=2))
        return 0
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
