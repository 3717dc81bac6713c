"""What each metric means, in one sentence of plain French for the ethics committee."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    """A metric's label, its one-sentence meaning, and which way is better."""

    label: str
    meaning: str
    higher_is_better: bool = True
    share: bool = True  # a value in [0, 1] shown as a percentage


METRICS: dict[str, MetricInfo] = {
    "hit_at_1": MetricInfo(
        "Bon document en 1re position",
        "Part des questions dont le document attendu arrive en tête de la recherche.",
    ),
    "hit_at_k": MetricInfo(
        "Bon document parmi les k premiers",
        "Part des questions dont le document attendu figure parmi les k premiers documents trouvés.",
    ),
    "recall_at_k": MetricInfo(
        "Rappel des documents attendus",
        "Part des documents attendus retrouvés parmi les k premiers (utile quand plusieurs "
        "documents répondent).",
    ),
    "mrr": MetricInfo(
        "Rang réciproque moyen",
        "Moyenne de 1/rang du premier document attendu : 1 s'il est toujours premier, 0,5 s'il "
        "est deuxième, etc.",
    ),
    "faithfulness": MetricInfo(
        "Fidélité aux sources (ragas)",
        "Part des affirmations de la réponse que le modèle juge trouve dans les passages montrés "
        "au chatbot ; en dessous de 1, la réponse dit des choses que ses sources ne disent pas.",
    ),
    "answer_relevancy": MetricInfo(
        "Pertinence de la réponse (ragas)",
        "Proximité entre la question posée et les questions que le juge reconstruit à partir de "
        "la réponse : une réponse à côté du sujet ou évasive obtient un score bas.",
    ),
    "context_precision": MetricInfo(
        "Précision des passages (ragas)",
        "Part des passages montrés au chatbot qui servent vraiment à la réponse de référence, les "
        "premiers comptant davantage.",
    ),
    "context_recall": MetricInfo(
        "Couverture de la référence (ragas)",
        "Part des affirmations de la réponse de référence que l'on retrouve dans les passages "
        "montrés au chatbot.",
    ),
    "citation_precision": MetricInfo(
        "Citations justes",
        "Part des citations [n] dont le passage cité appuie réellement la phrase qui le cite.",
    ),
    "uncited_share": MetricInfo(
        "Affirmations sans citation",
        "Part des phrases de la réponse qui affirment quelque chose sans citer de source.",
        higher_is_better=False,
    ),
    "dropped_share": MetricInfo(
        "Phrases écartées par la vérification",
        "Part des phrases écrites par le modèle que la vérification a retirées avant de les "
        "montrer (chiffre absent de la source, négation inversée, pas de source…).",
        higher_is_better=False,
    ),
    "abstention_accuracy": MetricInfo(
        "Bon choix de répondre ou non",
        "Part des questions traitées comme il faut : réponse quand les documents répondent, refus "
        "poli quand ils ne répondent pas ou que la demande est hors cadre.",
    ),
    "declined_when_needed": MetricInfo(
        "Refus quand il le faut",
        "Part des questions sans réponse dans les documents (ou malveillantes) que le chatbot a "
        "bien refusées.",
    ),
    "answered_when_possible": MetricInfo(
        "Réponse quand c'est possible",
        "Part des questions auxquelles les documents répondent et auxquelles le chatbot a répondu.",
    ),
    "language_match": MetricInfo(
        "Bonne langue",
        "Part des réponses écrites dans la langue de la question.",
    ),
    "reference_recall": MetricInfo(
        "Recouvrement de la référence",
        "Part des mots porteurs de sens de la réponse de référence que l'on retrouve dans la "
        "réponse.",
    ),
    "reference_f1": MetricInfo(
        "F1 avec la référence",
        "Équilibre entre ce que la réponse reprend de la référence et ce qu'elle ajoute (1 = mêmes "
        "mots porteurs de sens).",
    ),
    "groundedness": MetricInfo(
        "Ancrage (score en ligne)",
        "Le score calculé pour chaque réponse en service, sans modèle juge : 1 quand chaque "
        "affirmation est appuyée par une source (citée, ou reconnue par le contrôle), moins quand "
        "des affirmations sont peu ou pas appuyées.",
    ),
    "reading_ease": MetricInfo(
        "Lisibilité (Kandel–Moles)",
        "Facilité de lecture des réponses en français (score de Kandel–Moles, d'après la longueur "
        "des phrases et le nombre de syllabes par mot) : plus haut = plus facile ; vers 60–70 une "
        "prose courante, sous 30 un texte administratif très difficile.",
        share=False,
    ),
    "seconds_per_answer": MetricInfo(
        "Secondes par réponse (médiane)",
        "Temps médian entre la question et la fin de la réponse, sur cette machine.",
        higher_is_better=False,
        share=False,
    ),
    "tokens_per_answer": MetricInfo(
        "Jetons par réponse (moyenne)",
        "Nombre moyen de jetons générés par réponse : le coût de calcul.",
        higher_is_better=False,
        share=False,
    ),
}


REASONS = {
    "out_of_scope": "demande hors du cadre du service",
    "no_relevant_sources": "aucun document pertinent",
    "prompt_leak": "réponse bloquée (fuite des consignes)",
    "model_declined": "le modèle n'a pas trouvé la réponse dans les documents",
    "unsupported_answer": "réponse bloquée (non appuyée par les sources)",
}
JUDGE_FAILURES = {
    "parse": "réponse du juge illisible",
    "timeout": "délai dépassé",
    "empty": "aucune affirmation à noter",
    "error": "autre erreur",
}


def reason_label(reason: str | None) -> str:
    """Why the assistant declined, in French."""
    return REASONS.get(reason or "", reason or "raison inconnue")


def judge_failure_label(kind: str) -> str:
    """A judge failure kind, in French."""
    return JUDGE_FAILURES.get(kind, kind)


def describe(name: str) -> MetricInfo:
    """The metric's information (a neutral one for names this module does not know)."""
    return METRICS.get(name, MetricInfo(name, "", share=False))


def format_value(name: str, value: float | None) -> str:
    """The value as the report shows it (percentages for shares)."""
    if value is None:
        return "—"
    if describe(name).share:
        return f"{value * 100:.1f} %".replace(".", ",")
    return f"{value:.2f}".replace(".", ",")


# Per-question scores shown in plots, per-category bars and the question list, in this order.
KEY_SCORES = ("abstention_accuracy", "hit_at_k", "citation_precision", "faithfulness",
              "reference_recall", "groundedness", "answer_relevancy")  # fmt: skip
