"""The evaluation report's plots (PNG files drawn with matplotlib, each with a text alternative)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metric_info import KEY_SCORES, describe, format_value

DISTRIBUTIONS = ("faithfulness", "groundedness", "citation_precision", "reference_recall",
                 "answer_relevancy", "context_recall")  # fmt: skip


def draw_plots(
    folder: Path,
    records: Sequence[dict[str, Any]],
    summary: dict[str, Any],
    previous: dict[str, Any] | None,
) -> list[tuple[str, str, str]]:
    """Draw the plots; return (file name, title, alt text) for each one drawn."""
    import matplotlib

    matplotlib.use("Agg")
    figures = []
    for draw in (_metrics_plot, _category_plot, _distribution_plot, _latency_plot):
        drawn = draw(folder, records, summary, previous)
        if drawn is not None:
            figures.append(drawn)
    return figures


def _metrics_plot(
    folder: Path, records: Sequence[dict[str, Any]], summary: dict[str, Any],
    previous: dict[str, Any] | None,
) -> tuple[str, str, str] | None:  # fmt: skip
    import matplotlib.pyplot as plt

    metrics = {k: v for k, v in summary["metrics"].items() if describe(k).share}
    if not metrics:
        return None
    names = list(metrics)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.2))
    ax.barh([describe(n).label for n in names], [metrics[n] for n in names], color="#000091",
            label="cette évaluation")  # fmt: skip
    if previous is not None:
        before = previous["summary"].get("metrics", {})
        xs = [(before[n], i) for i, n in enumerate(names) if n in before]
        if xs:
            ax.scatter([x for x, _ in xs], [i for _, i in xs], color="#e1000f", zorder=3,
                       marker="|", s=300, label="évaluation précédente")  # fmt: skip
            # Above the bars, never over one (a bar near 1 sat under a "lower right" legend).
            ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("score (1 = le mieux, sauf « affirmations sans citation »)")
    fig.tight_layout()
    fig.savefig(folder / "metrics.png", dpi=110)
    plt.close(fig)
    alt = "; ".join(f"{describe(n).label} {format_value(n, metrics[n])}" for n in names)
    return "metrics.png", "Vue d'ensemble des scores", alt


def _category_plot(
    folder: Path, records: Sequence[dict[str, Any]], summary: dict[str, Any],
    previous: dict[str, Any] | None,
) -> tuple[str, str, str] | None:  # fmt: skip
    import matplotlib.pyplot as plt

    categories = summary.get("by_category", {})
    shown = [m for m in KEY_SCORES if any(m in c for c in categories.values())]
    if not categories or not shown:
        return None
    names = list(categories)
    width = 0.8 / len(shown)
    fig, ax = plt.subplots(figsize=(max(7, 1.4 * len(names) + 2), 4))
    for i, metric in enumerate(shown):
        values = [categories[c].get(metric) or 0.0 for c in names]
        ax.bar(
            [x + i * width for x in range(len(names))], values, width, label=describe(metric).label
        )
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(names))])
    ax.set_xticklabels([f"{c}\n({categories[c]['questions']} q.)" for c in names])
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    fig.tight_layout()
    fig.savefig(folder / "categories.png", dpi=110)
    plt.close(fig)
    alt = "; ".join(
        f"{c}: "
        + ", ".join(
            f"{describe(m).label} {format_value(m, categories[c].get(m))}"
            for m in shown
            if m in categories[c]
        )
        for c in names
    )
    return "categories.png", "Scores par catégorie de questions", alt


def _distribution_plot(
    folder: Path, records: Sequence[dict[str, Any]], summary: dict[str, Any],
    previous: dict[str, Any] | None,
) -> tuple[str, str, str] | None:  # fmt: skip
    import matplotlib.pyplot as plt

    series = {
        m: [r["scores"][m] for r in records if m in r.get("scores", {})] for m in DISTRIBUTIONS
    }
    series = {m: v for m, v in series.items() if v}
    if not series:
        return None
    fig, axes = plt.subplots(1, len(series), figsize=(3.2 * len(series), 3), squeeze=False)
    for ax, (metric, values) in zip(axes[0], series.items(), strict=True):
        ax.hist(values, bins=[i / 10 for i in range(11)], color="#000091", edgecolor="white")
        ax.set_title(describe(metric).label, fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_xlabel("score")
    axes[0][0].set_ylabel("questions")
    fig.tight_layout()
    fig.savefig(folder / "distributions.png", dpi=110)
    plt.close(fig)
    alt = "; ".join(
        f"{describe(m).label}: {sum(v < 0.5 for v in values)} question(s) sous 0,5 sur {len(values)}"
        for m, values in series.items()
    )
    return "distributions.png", "Répartition des scores par question", alt


def _latency_plot(
    folder: Path, records: Sequence[dict[str, Any]], summary: dict[str, Any],
    previous: dict[str, Any] | None,
) -> tuple[str, str, str] | None:  # fmt: skip
    import matplotlib.pyplot as plt

    seconds = [r["cost"]["total_ms"] / 1000 for r in records
               if r.get("cost", {}).get("total_ms") and not r.get("abstained")]  # fmt: skip
    if not seconds:
        return None
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(seconds, bins=min(20, max(5, len(seconds) // 2)), color="#6a6af4", edgecolor="white")
    ax.set_xlabel("secondes par réponse (hors refus)")
    ax.set_ylabel("réponses")
    fig.tight_layout()
    fig.savefig(folder / "latency.png", dpi=110)
    plt.close(fig)
    ordered = sorted(seconds)
    alt = (f"{len(seconds)} réponses, de {ordered[0]:.1f} s à {ordered[-1]:.1f} s, "
           f"médiane {ordered[len(ordered) // 2]:.1f} s")  # fmt: skip
    return "latency.png", "Temps de réponse", alt
