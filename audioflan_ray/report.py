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


def plot(stats: dict[str, Any], manifest_tasks: dict[str, str], path: str) -> None:
    """Instances per task (coloured by domain), hours per source, instances per split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted(stats["by_task"].items(), key=lambda kv: (manifest_tasks.get(kv[0], ""), -kv[1]["instances"]))
    fig, axes = plt.subplots(
        1, 3, figsize=(16, max(4.0, 0.35 * len(tasks) + 1.5)), gridspec_kw={"width_ratios": [3, 2, 1.2]}
    )
    ax = axes[0]
    names = [t for t, _ in tasks]
    ax.barh(
        names,
        [v["instances"] for _, v in tasks],
        color=[DOMAIN_COLORS.get(manifest_tasks.get(t, ""), "grey") for t in names],
    )
    ax.invert_yaxis()
    ax.set_xlabel("instances")
    ax.set_title("Instances per task (colour: domain)")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=d) for d, c in DOMAIN_COLORS.items()], loc="lower right")
    srcs = list(stats["by_source"].items())
    axes[1].barh([s for s, _ in srcs], [v["audio_seconds"] / 3600 for _, v in srcs], color="#9467bd")
    axes[1].invert_yaxis()
    axes[1].set_xlabel("audio hours (summed over instances)")
    axes[1].set_title("Audio per source corpus")
    splits = list(stats["by_split"].items())
    axes[2].bar([s for s, _ in splits], [v["instances"] for _, v in splits], color="#8c564b")
    axes[2].set_title("Instances per split")
    fig.suptitle(
        f"{stats['instances']} instances, {stats['audio_hours']:.2f} h, {stats['shards']} shards, "
        f"{stats['errors']['total']} quarantined"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
