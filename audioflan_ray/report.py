"""``audioflan-ray stats``: counts and hours per domain / task / split / source, and a picture of them."""

from __future__ import annotations

import json
from typing import Any

from audioflan_ray.sink.commit import MANIFEST, STATS
from audioflan_ray.storage import Root, StorageOptions


def load_stats(uri: str, options: StorageOptions | None = None) -> dict[str, Any]:
    root = Root(uri, options)
    if not root.exists(MANIFEST):
        raise FileNotFoundError(f"{uri}: no {MANIFEST}; the build is incomplete or this is not a build")
    return dict(json.loads(root.read_bytes(STATS)))


def format_table(stats: dict[str, Any]) -> str:
    lines = [f"instances {stats['instances']}  audio {stats['audio_hours']:.3f} h  shards {stats['shards']}"]
    for view, title in (("by_domain", "domain"), ("by_task", "task"), ("by_split", "split"), ("by_source", "source")):
        lines.append("")
        lines.append(f"{title:<40} {'instances':>10} {'hours':>9}")
        for name, v in stats[view].items():
            lines.append(f"{name:<40} {v['instances']:>10} {v['audio_seconds'] / 3600:>9.3f}")
    errs = stats["errors"]
    lines.append("")
    lines.append(f"errors {errs['total']}")
    for reason, v in errs["by_reason"].items():
        lines.append(f"  {reason:<38} {v['rows']:>10} {v['audio_seconds'] / 3600:>9.3f}")
    return "\n".join(lines)


DOMAIN_COLORS = {"speech": "#1f77b4", "music": "#d62728", "audio": "#2ca02c"}
OTHER_COLOR = "grey"


def plot(stats: dict[str, Any], manifest_tasks: dict[str, str], path: str) -> None:
    """Instances per task (grouped and coloured by domain), per domain, audio per source, instances per split.

    ``manifest_tasks``: task -> domain. The task panel is horizontal bars, one per task, and the figure grows with
    the number of tasks so that every label stays readable (all 80 Audio-FLAN tasks fit).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.transforms import blended_transform_factory

    order = {d: i for i, d in enumerate(DOMAIN_COLORS)}

    def domain_of(task: str) -> str:
        return manifest_tasks.get(task, "other")

    tasks = sorted(
        stats["by_task"].items(), key=lambda kv: (order.get(domain_of(kv[0]), 99), -kv[1]["instances"], kv[0])
    )
    height = max(6.0, 0.28 * len(tasks) + 2.0)
    fig = plt.figure(figsize=(18, height), layout="constrained")  # constrained: room for the suptitle too
    grid = fig.add_gridspec(3, 2, width_ratios=[3, 2])
    ax = fig.add_subplot(grid[:, 0])
    names = [t for t, _ in tasks]
    counts = [v["instances"] for _, v in tasks]
    ax.barh(names, counts, color=[DOMAIN_COLORS.get(domain_of(t), OTHER_COLOR) for t in names])
    ax.invert_yaxis()
    ax.set_ylim(max(len(names), 1) - 0.5, -0.5)  # an empty build still gets a readable (empty) axis
    ax.tick_params(axis="y", labelsize=9)
    for y, n in enumerate(counts):
        ax.annotate(f" {n}", (n, y), va="center", fontsize=8)
    # each domain group: a rule above it and its name on the right edge (a legend would cover bars)
    edge = blended_transform_factory(ax.transAxes, ax.transData)
    starts = [y for y in range(len(names)) if y == 0 or domain_of(names[y]) != domain_of(names[y - 1])]
    for k, y0 in enumerate(starts):
        y1 = starts[k + 1] if k + 1 < len(starts) else len(names)
        if y0:
            ax.axhline(y0 - 0.5, color="black", linewidth=0.6)
        d = domain_of(names[y0])
        ax.text(
            1.005,
            (y0 + y1 - 1) / 2,
            d,
            transform=edge,
            rotation=270,
            va="center",
            ha="left",
            fontsize=11,
            color=DOMAIN_COLORS.get(d, OTHER_COLOR),
            fontweight="bold",
        )
    ax.margins(x=0.12)
    ax.set_xlabel("instances")
    ax.set_title(f"Instances per task ({len(names)} tasks, grouped and coloured by domain)")
    domains = sorted(stats["by_domain"].items(), key=lambda kv: order.get(kv[0], 99))
    axd = fig.add_subplot(grid[0, 1])
    axd.bar(
        [d for d, _ in domains],
        [v["instances"] for _, v in domains],
        color=[DOMAIN_COLORS.get(d, OTHER_COLOR) for d, _ in domains],
    )
    for x, (_, v) in enumerate(domains):
        axd.annotate(str(v["instances"]), (x, v["instances"]), ha="center", va="bottom", fontsize=9)
    axd.margins(y=0.2)
    axd.set_title("Instances per domain")
    srcs = list(stats["by_source"].items())
    axs = fig.add_subplot(grid[1, 1])
    axs.barh([s for s, _ in srcs], [v["audio_seconds"] / 3600 for _, v in srcs], color="#9467bd")
    axs.invert_yaxis()
    axs.set_xlabel("audio hours (summed over instances)")
    axs.set_title("Audio per source corpus")
    splits = list(stats["by_split"].items())
    axp = fig.add_subplot(grid[2, 1])
    axp.bar([s for s, _ in splits], [v["instances"] for _, v in splits], color="#8c564b")
    axp.set_title("Instances per split")
    fig.suptitle(
        f"{stats['instances']} instances, {stats['audio_hours']:.2f} h, {stats['shards']} shards, "
        f"{stats['errors']['total']} quarantined"
    )
    fig.savefig(path, dpi=100)
    plt.close(fig)
