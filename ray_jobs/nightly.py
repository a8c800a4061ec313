"""Nightly rebuild: build into ``<output.uri>/<YYYY-MM-DD>/``, then point ``<output.uri>/LATEST`` at it.

Incremental: the night reuses every unit of the night LATEST names whose fingerprint (recordings, labels, partners,
code, config) is unchanged (``build.reuse_from``), copying its samples instead of decoding them again; its output is
byte-identical to a full rebuild.

    python ray_jobs/nightly.py --date 2026-11-26 -c conf/nightly.yaml [dotted.key=value ...]
    python ray_jobs/nightly.py --date today -c conf/nightly.yaml      # today in UTC (RayCronJob cannot template)

``output.uri`` in the config is the base prefix. LATEST is written only after the night's manifest is committed,
so readers following it never see a partial build. Running it twice for the same date is safe: the second run finds
the completed build and only (re)writes LATEST.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from audioflan_ray import config as config_mod
from audioflan_ray.cli import main as cli_main
from audioflan_ray.errors import ConfigError
from audioflan_ray.storage import Root, StorageOptions, join_uri


def night(value: str) -> str:
    if value == "today":
        return dt.datetime.now(dt.UTC).date().isoformat()
    return dt.date.fromisoformat(value).isoformat()


def run(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--date", required=True, type=night, help="YYYY-MM-DD, or 'today' (UTC)")
    p.add_argument("-c", "--config", action="append", default=None, help="YAML config (default: the bundled demo)")
    args, overrides = p.parse_known_args(argv)
    try:
        cfg = config_mod.load(args.config, overrides)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    base = cfg.output.uri.rstrip("/")
    dated = join_uri(base, args.date)
    root = Root(base, StorageOptions(endpoint_url=cfg.storage.endpoint_url))
    extra = [f"output.uri={dated}"]
    if cfg.build.reuse_from is None and root.exists("LATEST"):
        last = root.read_text("LATEST").strip()
        if last.rstrip("/") != dated.rstrip("/"):
            extra.append(f"build.reuse_from={last}")  # incremental: unchanged units are copied from the last night
    build_args = ["build"] + [a for c in args.config or [] for a in ("-c", c)] + [*overrides, *extra]
    rc = cli_main(build_args)
    if rc != 0:
        print(f"nightly {args.date}: build failed (exit {rc}); LATEST left as it was", file=sys.stderr)
        return rc
    root.write_bytes_atomic("LATEST", (dated + "\n").encode())
    print(json.dumps({"latest": dated, "date": args.date}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
