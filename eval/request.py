"""What `guichet eval` is asked to do: the dataset, corpus and output, and which metrics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chatbot.domain import GuichetError
from eval.judge import JUDGE_METRICS

METRIC_GROUPS = {
    "retrieval": ("hit_at_1", "hit_at_k", "recall_at_k", "mrr"),
    "checks": ("citation_precision", "uncited_share", "dropped_share", "abstention_accuracy", "language_match",
               "reference_recall", "reference_f1", "groundedness", "reading_ease"),
    "ragas": JUDGE_METRICS,
    "cost": ("seconds_per_answer", "tokens_per_answer"),
    # the red-team set through the safety policy, and a fixed slice of the verifier benchmark:
    # reported in summary["safety"], not as per-question scores; no answer is generated for them
    "safety": ("red_team", "verifier"),
}  # fmt: skip
ALL_GROUPS = tuple(METRIC_GROUPS)
_NO_ANSWER_GROUPS = ("retrieval", "safety")
# Answer styles (chatbot.answering.pipeline.Style): the first one keeps the question's own id.
STYLES = ("standard", "simple")


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


def parse_styles(text: str | None) -> tuple[str, ...]:
    """Answer styles, comma separated, each once in the order given (standard when empty)."""
    if text is None:
        return ("standard",)
    chosen: list[str] = []
    for word in (w.strip().lower() for w in text.split(",") if w.strip()):
        if word not in STYLES:
            raise EvalError(
                f"Style de réponse inconnu : « {word} ». Choisissez parmi {', '.join(STYLES)} "
                "(séparés par des virgules)."
            )
        if word not in chosen:
            chosen.append(word)
    if not chosen:
        raise EvalError("--styles est vide : nommez au moins un style (standard, simple).")
    return tuple(chosen)


def record_id(item_id: str, style: str) -> str:
    """The id of one answer in results.jsonl: the question's id for the standard style (as before
    styles existed, so that --compare and --answers still match), `id@style` for the others."""
    return item_id if style == "standard" else f"{item_id}@{style}"


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


JUDGE_CONTEXTS = ("cited", "shown")
"""What the judge reads with an answer: the passages it cites (every sentence of an answer
must stand on its own sources), or every passage shown to the model (ragas' usual input)."""


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
    styles: tuple[str, ...] = ("standard",)  # each question is answered once per style
    # what the judge reads with each answer: the passages it cites, or all the passages shown
    judge_contexts: str = "cited"

    def __post_init__(self) -> None:
        # an unknown or missing style fails here, in French; so does one given twice
        if parse_styles(",".join(self.styles)) != self.styles:
            raise EvalError(f"Styles de réponse en double : {', '.join(self.styles)}.")
        if self.judge_contexts not in JUDGE_CONTEXTS:
            raise EvalError(
                f"--judge-contexts vaut « {self.judge_contexts} » : choisissez "
                f"{' ou '.join(JUDGE_CONTEXTS)}."
            )

    @property
    def retrieval_only(self) -> bool:
        """Only retrieval (and safety) metrics: no answer is generated."""
        return all(
            m in _NO_ANSWER_GROUPS or any(m in METRIC_GROUPS[g] for g in _NO_ANSWER_GROUPS)
            for m in self.metrics
        )
