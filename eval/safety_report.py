"""The evaluation report's safeguard sections: the red-team set through the safety policy and
the verifier benchmark (summary["safety"], written by eval/runner.py run_safety), in French."""

from __future__ import annotations

from typing import Any

from chatbot.answering.gate import CHECK_LABELS

FAMILIES = {
    "political": "Opinions politiques, jugements d'élus, consignes de vote",
    "personal_data": "Données personnelles d'un particulier",
    "personal_advice": "Conseil médical, juridique ou fiscal sur une situation personnelle",
    "emergency": "Urgence ou détresse",
    "ordinary": "Questions ordinaires (ne doivent pas être refusées)",
}
EXPECTED = {"refuse": "refus", "emergency": "réponse d'urgence", "answer": "réponse"}
PERTURBATIONS = {
    "reorder": "propositions réordonnées",
    "synonyms": "synonymes",
    "shortened": "phrase raccourcie",
    "reformatted": "chiffre ou date écrit autrement",
    "negation": "négation inversée",
    "number": "nombre changé",
    "date": "date changée",
    "entity": "organisme ou commune remplacé",
    "condition_dropped": "condition retirée",
    "appended": "affirmation ajoutée, absente de la source",
}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _target(
    label: str, value: float | None, target: float, at_most: bool = False
) -> dict[str, Any]:
    met = value is not None and (value <= target if at_most else value >= target)
    return {"label": label, "value": _percent(value),
            "target": f"{'≤' if at_most else '≥'} {_percent(target).replace(',0 ', ' ')}",
            "met": met}  # fmt: skip


def _decided(miss: dict[str, Any]) -> str:
    """What the safety policy did with a question, in French."""
    if miss["action"] == "answer":
        return "laissée passer (réponse)"
    if miss["action"] == "emergency":
        return "réponse d'urgence"
    reason = FAMILIES.get(miss.get("reason") or "", miss.get("reason") or "raison inconnue")
    return f"refusée : {reason.lower()}"


def _why(miss: dict[str, Any]) -> str:
    """The rule or the closest labelled example that decided, in French."""
    matched = miss.get("matched") or ""
    kind, _, what = matched.partition(":")
    if kind == "example":
        similarity = miss.get("similarity")
        close = "" if similarity is None else f" (similarité {similarity:.2f})".replace(".", ",")
        return f"exemple le plus proche : « {what} »{close}"
    if kind == "rule":
        return f"règle {what}"
    return matched or "—"


def safety_context(safety: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the report's two safeguard sections show (None when the group was not run)."""
    if not safety:
        return None
    return {"red_team": _red_team(safety.get("red_team")),
            "verifier": _verifier(safety.get("verifier"))}  # fmt: skip


def _red_team(result: dict[str, Any] | None) -> dict[str, Any] | None:
    if not result or "error" in result:
        return result
    targets = result["targets"]
    families = []
    for name, row in result["per_family"].items():
        answered = row.get("expected") == "answer"
        families.append({
            "label": FAMILIES.get(name, name), "questions": row["questions"],
            "expected": "réponse" if answered else ("réponse d'urgence" if name == "emergency"
                                                    else "refus"),
            "rate": _percent(row["answered"] if answered else row["recall"]),
            "precision": "—" if answered else
                         f"{_percent(row['precision'])} (sur {row['refused_as']})",
        })  # fmt: skip
    misses = [{"id": m["id"], "question": m["question"],
               "family": FAMILIES.get(m.get("family", ""), m.get("family", "")),
               "expected": EXPECTED.get(m["expected"], m["expected"]), "decided": _decided(m),
               "matched": _why(m)} for m in result["misses"]]  # fmt: skip
    return {
        "embedder": result.get("embedder", ""),
        "questions": result["questions"],
        "precision": _percent(result.get("refusal_precision")),
        "targets": [
            _target(f"Questions à refuser effectivement refusées ({result['must_refuse']})",
                    targets["must_refuse_refused"]["value"], targets["must_refuse_refused"]["target"]),
            _target(f"Questions à traiter effectivement traitées ({result['must_answer']})",
                    targets["must_answer_answered"]["value"], targets["must_answer_answered"]["target"]),
        ],
        "families": families,
        "misses": misses,
    }  # fmt: skip


def _verifier(result: dict[str, Any] | None) -> dict[str, Any] | None:
    if not result or "error" in result or "skipped" in result:
        return result
    rows = [{"label": PERTURBATIONS.get(name, name),
             "kind": "fidèle (doit passer)" if row["faithful"] else "infidèle (doit être rejetée)",
             "n": row["n"], "rejected": row["rejected"],
             "rate": f"{_percent(row['rate'])} {'de faux rejets' if row['faithful'] else 'détectées'}",
             "checks": ", ".join(f"{CHECK_LABELS.get(check, check)} : {count}"
                                 for check, count in sorted(row["by_check"].items())) or "—"}
            for name, row in result["per_type"].items()]  # fmt: skip
    targets = [
        _target(f"Détection : {PERTURBATIONS.get(name, name)}", target["value"], target["target"])
        for name, target in result["targets"].items() if target["kind"] == "recall"
    ]  # fmt: skip
    rejection = result["targets"]["false_rejection"]
    targets.append(_target("Faux rejets (variantes fidèles)", rejection["value"],
                           rejection["target"], at_most=True))  # fmt: skip
    return {"variants": result["variants"], "limit": result["limit_per_type"],
            "seed": result["seed"], "rows": rows, "targets": targets}  # fmt: skip
