"""Evaluation metrics, dataset reading and the judge's bookkeeping, on hand-made cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.checks import (
    abstention_scores,
    citation_scores,
    mean,
    percentile,
    reference_overlap,
)
from eval.dataset import DatasetError, load_dataset
from eval.judge import JudgeSample, applicable, failure_kind
from eval.request import EvalError, EvalRequest, parse_metrics
from eval.runner import retrieval_scores

POOL = "La piscine ouvre du mardi au dimanche de 10 h à 19 h. L'entrée coûte 3 euros."
LIBRARY = "L'inscription à la médiathèque est gratuite pour tous les habitants."


def overlap(sentence: str, passage: str) -> float:
    """A transparent support function for the tests: 1 when the passage contains the sentence."""
    return 1.0 if sentence.rstrip(".") in passage else 0.0


def test_citation_precision_counts_each_cited_passage() -> None:
    answer = (
        "La piscine ouvre du mardi au dimanche de 10 h à 19 h [1]. "
        "L'inscription à la médiathèque est gratuite pour tous les habitants [1][2]. "
        "Le stationnement est interdit la nuit [3]."
    )
    scores = citation_scores(answer, [POOL, LIBRARY], threshold=0.5, support=overlap)
    # citations: (s1,1) yes, (s2,1) no, (s2,2) yes, (s3,3) points at no passage -> no
    assert (scores.citations, scores.supported_citations) == (4, 2)
    assert scores.precision == 0.5
    assert scores.claims == 3 and scores.uncited_claims == 0 and scores.uncited_share == 0.0


def test_uncited_claims_ignore_short_sentences() -> None:
    scores = citation_scores(
        "Bonjour. La piscine ouvre le mardi matin. L'entrée coûte trois euros [1].",
        [POOL],
        threshold=0.5,
        support=overlap,
    )
    assert scores.claims == 2 and scores.uncited_claims == 1 and scores.uncited_share == 0.5
    assert citation_scores("Bonjour.", [POOL], 0.5, overlap).precision is None
    listing = citation_scores(
        "La piscine ouvre le mardi matin.\n\nSources : [1]", [POOL], 0.5, overlap
    )
    assert listing.citations == 0 and listing.uncited_claims == 1  # a source list backs no claim


def test_abstention_scores() -> None:
    # (answerable, abstained): right answer, wrong decline, right decline, wrong answer, right decline
    outcomes = [(True, False), (True, True), (False, True), (False, False), (False, True)]
    scores = abstention_scores(outcomes)
    assert scores.accuracy == pytest.approx(3 / 5)
    assert scores.declined_when_needed == pytest.approx(2 / 3)
    assert scores.answered_when_possible == pytest.approx(1 / 2)
    assert abstention_scores([(True, False)]).declined_when_needed is None


def test_reference_overlap_uses_content_words() -> None:
    recall, f1 = reference_overlap(
        "La piscine est ouverte du mardi au dimanche [1].", "ouverte du mardi au dimanche"
    )
    # content words of the reference: ouvert, mardi, dimanche -> all said; the answer adds piscine
    assert recall == 1.0 and f1 == pytest.approx(2 * 0.75 * 1 / 1.75)
    assert reference_overlap("Rien à voir.", "ouverte du mardi au dimanche") == (0.0, 0.0)


def test_mean_and_percentile() -> None:
    assert mean([1.0, None, 0.0, True]) == pytest.approx(2 / 3)
    assert mean([None]) is None
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([], 0.5) is None


def test_retrieval_scores_on_distinct_sources() -> None:
    ranked = ["a", "a", "b", "c", "d"]
    assert retrieval_scores(ranked, ["c"], k=2) == {
        "hit_at_1": 0.0,
        "hit_at_k": 0.0,
        "recall_at_k": 0.0,
        "mrr": pytest.approx(1 / 3),
    }
    assert retrieval_scores(ranked, ["b", "z"], k=2)["recall_at_k"] == 0.5
    assert retrieval_scores(ranked, [], k=2) == {}


def test_metric_selection() -> None:
    assert parse_metrics(None) == {"retrieval", "checks", "ragas", "cost", "safety"}
    assert parse_metrics("retrieval, faithfulness") == {"retrieval", "faithfulness"}
    with pytest.raises(EvalError, match="inconnue"):
        parse_metrics("retrieval,bleu")
    only = EvalRequest(Path("d"), Path("c"), Path("o"), metrics=parse_metrics("retrieval,mrr"))
    assert only.retrieval_only
    assert not EvalRequest(
        Path("d"), Path("c"), Path("o"), metrics=parse_metrics("checks")
    ).retrieval_only


def write_lines(path: Path, *objects: object) -> Path:
    path.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in objects) + "\n")
    return path


def test_dataset_reads_both_shapes_and_limits(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "set.jsonl",
        {"question": "Qu'est-ce que la médiation ?", "reference": "une voie", "source_id": "F1"},
        {"id": "a", "question": "Horaires ?", "source_ids": ["x", "y"], "category": "démarche"},
        {"id": "b", "question": "Et le samedi ?", "follow_up_of": "a"},
        {"id": "c", "question": "Et le dimanche ?", "follow_up_of": "b", "answerable": False},
    )
    items = load_dataset(path)
    assert [i.id for i in items] == ["q0001", "a", "b", "c"]
    assert items[0].source_ids == ("F1",) and items[0].reference == "une voie"
    assert items[2].category == "suivi" and items[3].category == "hors-corpus"
    assert [i.id for i in load_dataset(path, limit=3)] == ["q0001", "a", "b"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "ligne 1 : JSON invalide"),
        ('{"reference": "x"}', "« question »"),
        ('{"question": "q", "answerable": "yes"}', "true ou false"),
        ('{"question": "q", "follow_up_of": "zzz"}', "n'est pas une ligne précédente"),
        ('{"question": "q", "sources": ["a"]}', "champ(s) inconnu(s) sources"),
        ('{"question": "q", "source_ids": [1]}', "liste d'identifiants"),
    ],
)
def test_dataset_errors_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_dataset(path)


def test_dataset_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="introuvable"):
        load_dataset(tmp_path / "none.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(DatasetError, match="aucune question"):
        load_dataset(tmp_path / "empty.jsonl")


def test_shipped_golden_set_is_valid_and_covers_every_kind() -> None:
    path = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "demo-golden.jsonl"
    items = load_dataset(path)
    categories = {item.category for item in items}
    assert {"démarche", "hors-corpus", "suivi", "langue", "injection"} <= categories
    assert {item.language for item in items} >= {"fr", "en", "es", "de"}
    assert all(item.reference and item.source_ids for item in items if item.answerable)
    assert all(not item.source_ids for item in items if not item.answerable)


def test_judge_applicability_and_failure_kinds() -> None:
    full = JudgeSample("q", "réponse", ("passage",), "référence")
    bare = JudgeSample("q", "réponse", ("passage",), None)
    assert applicable("faithfulness", full) and applicable("context_recall", full)
    assert applicable("answer_relevancy", bare) and not applicable("context_precision", bare)
    assert not applicable("faithfulness", JudgeSample("q", "", ("p",), None))
    assert not applicable("faithfulness", JudgeSample("q", "r", (), None))

    class InstructorRetryException(Exception):  # noqa: N818 (the name instructor raises)
        pass

    assert failure_kind(InstructorRetryException("1 validation error")) == "parse"
    assert failure_kind(TimeoutError("timed out")) == "timeout"
    assert failure_kind(ConnectionError("refused")) == "error"


@pytest.mark.shared_data
def test_service_public_sets_read_as_evaluation_sets(shared_data: Path) -> None:
    folder = shared_data / "service-public"
    answers = load_dataset(folder / "questions-answers.jsonl")
    retrieval = load_dataset(folder / "questions-retrieval.jsonl")
    assert len(answers) == 65 and len(retrieval) == 345
    assert all(item.reference and len(item.source_ids) == 1 for item in answers)
    assert all(item.answerable and not item.reference for item in retrieval)


def test_a_wrong_decline_scores_zero_on_the_reference_and_on_the_choice() -> None:
    from chatbot.answering.pipeline import Answer
    from eval.dataset import EvalItem
    from eval.runner import answer_record

    item = EvalItem("x", "Quand ouvre la piscine ?", reference="du mardi au dimanche",
                    source_ids=("piscine",), language="fr")  # fmt: skip
    declined = Answer(text="Je n'ai pas trouvé cette information dans les documents.",
                      language="fr", abstained=True, reason="no_relevant_sources", citations=(),
                      passages=(), retrieved=(), standalone_question=item.question, check=None,
                      contact=None, timings={"total_ms": 300.0}, tokens=0)  # fmt: skip
    record = answer_record(item, declined, k=5, threshold=0.45, indexed={"piscine"})
    scores = record["scores"]
    assert scores["abstention_accuracy"] == 0.0 and scores["reference_recall"] == 0.0
    assert scores["hit_at_k"] == 0.0 and "citation_precision" not in scores
    assert scores["language_match"] == 1.0


def test_empty_metric_list_and_language_codes(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match="vide"):
        parse_metrics(" , ")
    path = write_lines(tmp_path / "l.jsonl", {"question": "Hours?", "language": "EN-gb"},
                       {"question": "Et ?", "follow_up_of": "q0001"})  # fmt: skip
    first, second = load_dataset(path)
    assert first.language == "en" and second.follow_up_of == "q0001"


def test_the_judge_reads_the_passages_an_answer_cites_with_their_titles() -> None:
    from eval.runner import cited_contexts

    record = {
        "citations": [{"n": 2}],
        "passages": [
            {"n": 1, "title": "Piscine", "text": "Ouverte le lundi."},
            {"n": 2, "title": "Passeport", "text": "Un seul passeport en principe."},
        ],
    }
    assert cited_contexts(record) == ("Passeport\nUn seul passeport en principe.",)
    record["passages"][1]["headings"] = ["Nombre", "Cas"]
    assert cited_contexts(record) == ("Passeport > Nombre > Cas\nUn seul passeport en principe.",)
    assert cited_contexts({**record, "citations": []}) is None


def test_judge_contexts_are_cited_or_shown() -> None:
    from eval.request import EvalError, EvalRequest

    assert EvalRequest(Path("q.jsonl"), Path("c"), Path("o")).judge_contexts == "cited"
    with pytest.raises(EvalError, match="cited ou shown"):
        EvalRequest(Path("q.jsonl"), Path("c"), Path("o"), judge_contexts="all")
