"""The ``audioflan-ray`` command line (see spec: build, validate, stats, recipes, tasks)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from typing import Any

from audioflan_ray.errors import AudioFlanError, ConfigError, OutputRefused


def _print_json(obj: dict[str, Any]) -> None:
    sys.stdout.flush()
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    from audioflan_ray import config as config_mod
    from audioflan_ray.signals import Interrupted, install

    install()
    overrides = list(args.overrides)
    if args.force:
        overrides.append("build.force=true")
    if args.take_over_lock:
        overrides.append("build.take_over_lock=true")
    try:
        cfg = config_mod.load(args.config, overrides)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from audioflan_ray.pipeline.build import run_build

    try:
        result = run_build(cfg)
    except OutputRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(
            f"interrupted by {exc}: nothing was committed; every completed unit is kept in {cfg.output.uri}/_staging. "
            "Run the same command again to resume.",
            file=sys.stderr,
        )
        return exc.exit_code
    except AudioFlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception:  # a bug or a fault that outlived its retries: the traceback says which; the rerun resumes
        traceback.print_exc()
        print(
            f"error: the build failed (traceback above); nothing was committed. Completed units are kept in "
            f"{cfg.output.uri}/_staging: once the cause is fixed, the same command resumes.",
            file=sys.stderr,
        )
        return 1
    state = "already complete" if result.skipped else f"built in {result.seconds:.1f} s"
    print(f"{cfg.output.uri}: {state}; `audioflan-ray validate {cfg.output.uri}` checks it", file=sys.stderr)
    _print_json(result.summary)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from audioflan_ray.storage import StorageOptions
    from audioflan_ray.validate import validate

    last = [0.0]

    def progress(done: int, total: int) -> None:
        import time

        if time.monotonic() - last[0] >= 5 or done == total:
            last[0] = time.monotonic()
            print(f"[validate] shards {done}/{total}", file=sys.stderr, flush=True)

    report = validate(args.uri, StorageOptions(endpoint_url=args.endpoint_url), args.sample, progress)
    for p in report["problems"]:
        print(f"problem: {p}", file=sys.stderr)
    _print_json(report)
    return 0 if report["ok"] else 1


def cmd_stats(args: argparse.Namespace) -> int:
    from audioflan_ray.report import format_table, load_stats, plot
    from audioflan_ray.storage import StorageOptions
    from audioflan_ray.tasks.catalog import catalog

    try:
        stats = load_stats(args.uri, StorageOptions(endpoint_url=args.endpoint_url))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_table(stats))
    if args.plot:
        plot(stats, {t: i.domain for t, i in catalog().items()}, args.plot)
        print(f"plot written to {args.plot}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from audioflan_ray import config as config_mod
    from audioflan_ray.pipeline.build import run_export
    from audioflan_ray.schema import MANIFEST
    from audioflan_ray.storage import Root, StorageOptions

    options = StorageOptions(endpoint_url=args.endpoint_url)
    if not Root(args.uri, options).exists(MANIFEST):
        print(f"error: {args.uri}: no {MANIFEST}; only a completed build can be exported", file=sys.stderr)
        return 1
    try:
        summary = run_export(args.uri, options, config_mod.Config())
    except AudioFlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, OutputRefused) else 1
    print(f"{args.uri}: release layout exported; `audioflan-ray validate` checks it", file=sys.stderr)
    _print_json({"output": args.uri, **summary})
    return 0


def cmd_recipes(args: argparse.Namespace) -> int:
    from audioflan_ray.pipeline.scan import tasks_for
    from audioflan_ray.recipes.base import registry

    for name, cls in registry().items():
        tasks = ", ".join(t.minor for t in tasks_for(cls.domain, cls.provides, None, cls.values))
        print(f"{name:<14} {cls.domain:<7} {tasks}")
    return 0


def coverage_lines() -> list[str]:
    """Per task: its kind, the recipes that can feed it, or why none can yet (no template, missing labels...)."""
    from audioflan_ray.pipeline.scan import cannot_feed
    from audioflan_ray.recipes.base import registry
    from audioflan_ray.tasks.catalog import catalog
    from audioflan_ray.tasks.engine import templates

    built = templates()
    recipes = {n: c for n, c in registry().items() if n != "manifest"}  # the generic one can carry any field
    lines = []
    for minor, info in catalog().items():
        t = built.get(minor)
        if t is None:
            lines.append(f"{info.domain:<7} {minor:<42} no template yet")
            continue
        near = {n: c for n, c in recipes.items() if c.domain in t.feeds_from}
        why = {n: cannot_feed(t, c.domain, c.provides, c.values) for n, c in near.items()}
        feeds = [n for n, w in why.items() if w is None]
        lacking = "; ".join(f"{n} {w}" for n, w in why.items() if w)
        lines.append(
            f"{info.domain:<7} {minor:<42} {t.kind:<5} fed by: {', '.join(feeds) or 'none (manifest only)'}"
            + (f" | {lacking}" if lacking else "")
        )
    return lines


def cmd_tasks(args: argparse.Namespace) -> int:
    from audioflan_ray.tasks.catalog import catalog
    from audioflan_ray.tasks.engine import templates

    if args.coverage:
        print("\n".join(coverage_lines()))
        return 0
    built = templates()
    print(f"{'domain':<7} {'side':<13} {'major':<36} {'minor':<42} templates")
    for minor, info in catalog().items():
        n = len(built[minor].instructions) if minor in built else 0
        print(f"{info.domain:<7} {info.side:<13} {info.major:<36} {minor:<42} {n}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="audioflan-ray", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build a dataset (no -c: the bundled demo)")
    b.add_argument("-c", "--config", action="append", help="YAML config; later files override earlier ones")
    b.add_argument("--force", action="store_true", help="replace a completed build of another config in output.uri")
    b.add_argument("--take-over-lock", action="store_true", help="take over a stale lock left by a build that died")
    b.add_argument("overrides", nargs="*", help="dotted.key=value overrides")
    b.set_defaults(fn=cmd_build)
    for name, fn, helptext in (("validate", cmd_validate, "check a build"), ("stats", cmd_stats, "summarize a build")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("uri")
        s.add_argument("--endpoint-url", default=None, help="S3-compatible endpoint (else AWS_ENDPOINT_URL)")
        if name == "stats":
            s.add_argument("--plot", default=None, metavar="FILE.png")
        else:
            s.add_argument("--sample", type=int, default=None, metavar="N", help="check N shards (deterministic)")
        s.set_defaults(fn=fn)
    e = sub.add_parser("export", help="(re)write the Audio-FLAN release layout of a completed build")
    e.add_argument("uri")
    e.add_argument("--endpoint-url", default=None, help="S3-compatible endpoint (else AWS_ENDPOINT_URL)")
    e.set_defaults(fn=cmd_export)
    sub.add_parser("recipes", help="list source recipes").set_defaults(fn=cmd_recipes)
    t = sub.add_parser("tasks", help="list Audio-FLAN tasks")
    t.add_argument("--coverage", action="store_true", help="which recipes can feed each task, and what is missing")
    t.set_defaults(fn=cmd_tasks)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args, extra = p.parse_known_args(argv)
    if extra:
        # dotted.key=value overrides may follow or precede -c / --force; anything else is an error
        if args.command != "build" or any(x.startswith("-") or "=" not in x for x in extra):
            p.error(f"unrecognized arguments: {' '.join(extra)}")
        args.overrides = [*args.overrides, *extra]
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.fn(args))
    except BrokenPipeError:  # e.g. `audioflan-ray stats URI | head`: the reader left, which is not a failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
