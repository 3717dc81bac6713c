"""What `guichet eval` is asked to do: the dataset, corpus and output, and which metrics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chatbot.domain import GuichetError
from eval.judge import JUDGE_METRICS

METRIC_GROUPS = {
    "retrieval": ("hit_at_1", "hit_at_k", "recall_at_k", "mrr"),
    "checks": ("citation_precision", "uncited_share", "dropped_share", "abstention_accuracy", "language_match",
               "reference_recall", "reference_f1", "groundedness"),
    "ragas": JUDGE_METRICS,
    "cost": ("seconds_per_answer", "tokens_per_answer"),
    # the red-team set through the safety policy, and a fixed slice of the verifier benchmark:
    # reported in summary["safety"], not as per-question scores; no answer is generated for them
    "safety": ("red_team", "verifier"),
}  # fmt: skip
ALL_GROUPS = tuple(METRIC_GROUPS)
_NO_ANSWER_GROUPS = ("retrieval", "safety")


class EvalError(GuichetError):
    """An evaluation that cannot run as asked."""


def parse_metrics(text: str | None) -> frozenset[str]:
    """Metric groups or single metrics, comma separated (all groups when empty)."""
    if not text:
        return frozenset(ALL_GROUPS)
    chosen: set[str] = set()
    if not text.replace(",", "").strip():
        raise EvalError("--metrics est vide : nommez au moins un groupe ou une mesure.")
    known = {name for names in METRIC_GROUPS.values() for name in names}
    for word in (w.strip() for w in text.split(",") if w.strip()):
        if word in METRIC_GROUPS or word in known:
            chosen.add(word)
        else:
            raise EvalError(
                f"Métrique inconnue : « {word} ». Choisissez parmi les groupes "
                f"{', '.join(ALL_GROUPS)} ou les métriques {', '.join(sorted(known))}."
            )
    return frozenset(chosen)


def selected(metrics: frozenset[str], name: str) -> bool:
    """Whether a summary metric belongs to what was asked for."""
    group = next((g for g, names in METRIC_GROUPS.items() if name in names), None)
    if name in ("declined_when_needed", "answered_when_possible"):
        group = "checks"
    return name in metrics or (group is not None and group in metrics)


def wants(metrics: frozenset[str], group: str, name: str | None = None) -> bool:
    """Whether a group (or one metric of it) was asked for."""
    if group in metrics:
        return True
    names = METRIC_GROUPS[group] if name is None else (name,)
    return any(n in metrics for n in names)


@dataclass(frozen=True)
class EvalRequest:
    """What `guichet eval` was asked to do."""

    dataset: Path
    corpus: Path
    out: Path
    metrics: frozenset[str] = frozenset(ALL_GROUPS)
    limit: int | None = None
    k: int = 5
    compare: Path | None = None
    manifest: Path | None = None  # a sources.yaml/.csv to use instead of the corpus's own
    answers: Path | None = None  # an earlier run whose answers are scored again, not regenerated

    @property
    def retrieval_only(self) -> bool:
        """Only retrieval (and safety) metrics: no answer is generated."""
        return all(
            m in _NO_ANSWER_GROUPS or any(m in METRIC_GROUPS[g] for g in _NO_ANSWER_GROUPS)
            for m in self.metrics
        )
