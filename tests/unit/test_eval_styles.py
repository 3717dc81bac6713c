"""`guichet eval --styles`: one answer per style, readability per style, quality per language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chatbot.answering.pipeline import Answer
from chatbot.domain import GuichetError
from chatbot.settings import Settings
from chatbot.text.readability import kandel_moles
from chatbot.verification.verifier import SentenceVerdict
from eval.checks import reading_ease, sentence_lengths
from eval.dataset import EvalItem
from eval.request import EvalError, EvalRequest, parse_metrics, parse_styles, record_id
from eval.run_folder import reuse_answers
from eval.runner import SilentProgress, _answer_all, answer_record
from eval.summary import by_language, by_style, summarize

FRENCH = "La piscine ouvre le mardi [1]. Elle ouvre à 10 h [1]."


def test_styles_are_parsed_in_order_once_each() -> None:
    assert parse_styles(None) == ("standard",)
    assert parse_styles("standard,simple") == ("standard", "simple")
    assert parse_styles(" simple , Standard, simple") == ("simple", "standard")
    with pytest.raises(EvalError, match="Style de réponse inconnu : « facile »"):
        parse_styles("standard,facile")
    with pytest.raises(EvalError, match="--styles est vide"):
        parse_styles(" , ")
    with pytest.raises(EvalError, match="inconnu"):
        EvalRequest(Path("d"), Path("c"), Path("o"), styles=("standard", "FALC"))
    with pytest.raises(EvalError, match="en double"):
        EvalRequest(Path("d"), Path("c"), Path("o"), styles=("simple", "simple"))
    assert EvalRequest(Path("d"), Path("c"), Path("o")).styles == ("standard",)
    # the standard answer keeps the question's id (older runs, --compare, --answers still match)
    assert record_id("q1", "standard") == "q1" and record_id("q1", "simple") == "q1@simple"
    both = EvalRequest(Path("d"), Path("c"), Path("o"), metrics=parse_metrics("retrieval"),
                       styles=("standard", "simple"))  # fmt: skip
    assert both.retrieval_only
    assert "reading_ease" in parse_metrics("reading_ease")


def test_reading_ease_only_for_french_answers_without_markers() -> None:
    assert reading_ease(FRENCH, "fr", abstained=False) == kandel_moles(
        "La piscine ouvre le mardi. Elle ouvre à 10 h."
    )
    assert reading_ease(FRENCH, "en", abstained=False) is None
    assert reading_ease(FRENCH, "fr", abstained=True) is None
    assert reading_ease("[1]", "fr", abstained=False) is None
    assert sentence_lengths(FRENCH) == [5, 5]
    # a list item is a sentence, its number a word (as the Kandel–Moles score counts them)
    assert sentence_lengths("Étapes :\n1. Remplir le formulaire [2].\n2. L'envoyer.") == [1, 4, 2]


def answer(text: str, language: str = "fr", *, abstained: bool = False,
           verdicts: tuple[bool, ...] = (True,), total_ms: float = 1000.0) -> Answer:  # fmt: skip
    return Answer(text=text, language=language, abstained=abstained,
                  reason="no_relevant_sources" if abstained else None, citations=(), passages=(),
                  retrieved=(), standalone_question="q", check=None, contact=None,
                  timings={"total_ms": total_ms}, tokens=12,
                  verdicts=tuple(SentenceVerdict(f"s{i}", (1,), ok) for i, ok in enumerate(verdicts)))  # fmt: skip


def test_an_answer_record_carries_its_style_and_french_readability() -> None:
    item = EvalItem("suite", "Et le samedi ?", source_ids=("piscine",), language="fr",
                    follow_up_of="horaires")  # fmt: skip
    record = answer_record(item, answer(FRENCH, verdicts=(True, False)), 5, 0.45, style="simple")
    assert record["id"] == "suite@simple" and record["style"] == "simple"
    assert record["follow_up_of"] == "horaires@simple"
    assert record["scores"]["reading_ease"] == reading_ease(FRENCH, "fr", False)
    assert record["scores"]["dropped_share"] == 0.5
    standard = answer_record(item, answer(FRENCH), 5, 0.45)
    assert standard["id"] == "suite" and standard["style"] == "standard"
    assert standard["follow_up_of"] == "horaires"
    english = EvalItem("en", "When does the pool open?", language="en")
    assert "reading_ease" not in answer_record(english, answer("It opens on Tuesday.", "en"), 5,
                                               0.45)["scores"]  # fmt: skip
    declined = answer_record(item, answer("Je n'ai pas trouvé.", abstained=True), 5, 0.45)
    assert "reading_ease" not in declined["scores"]


class FakeAnswerer:
    """Answers in the style asked for, and remembers the history each call was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]], str]] = []

    def answer(self, question: str, history: Any = (), filters: Any = None,
               style: str = "standard") -> Answer:  # fmt: skip
        self.calls.append((question, list(history), style))
        if question == "Panne ?":
            raise GuichetError("serveur indisponible")
        return answer(f"Réponse {style} à « {question} » [1].")


def test_every_question_is_answered_once_per_style_with_its_own_history(tmp_path: Path) -> None:
    items = [EvalItem("a", "Horaires ?", language="fr"),
             EvalItem("b", "Et le samedi ?", language="fr", follow_up_of="a"),
             EvalItem("c", "Panne ?", language="fr")]  # fmt: skip
    request = EvalRequest(Path("d"), Path("c"), tmp_path, styles=("standard", "simple"))
    fake = FakeAnswerer()
    records = _answer_all(items, fake, lambda texts: [[1.0, 0.0] for _ in texts],  # type: ignore[arg-type]
                          request, Settings(data_dir=tmp_path), set(), SilentProgress())  # fmt: skip
    assert [r["id"] for r in records] == ["a", "a@simple", "b", "b@simple", "c", "c@simple"]
    assert [r["style"] for r in records] == ["standard", "simple"] * 3
    assert [call[2] for call in fake.calls] == ["standard", "simple"] * 3
    # the follow-up continues the conversation of its own style
    assert fake.calls[2][1] == [("Horaires ?", "Réponse standard à « Horaires ? » [1].")]
    assert fake.calls[3][1] == [("Horaires ?", "Réponse simple à « Horaires ? » [1].")]
    assert records[3]["follow_up_of"] == "a@simple"
    assert records[4]["error"] == "serveur indisponible" and records[5]["style"] == "simple"
    assert all("reading_ease" in r["scores"] for r in records[:4])


def test_earlier_answers_are_reused_per_style(tmp_path: Path) -> None:
    old = {"id": "a", "question": "Horaires ?", "answer": FRENCH, "language": "fr",
           "abstained": False, "scores": {"abstention_accuracy": 1.0, "faithfulness": 0.5}}  # fmt: skip
    simple = dict(old, id="a@simple", style="simple", answer="Ouvert le mardi [1].",
                  scores={"reading_ease": 99.0})  # fmt: skip
    (tmp_path / "results.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (old, simple))
    )
    items = [EvalItem("a", "Horaires ?")]
    records = reuse_answers(items, tmp_path, ("standard", "simple"))
    assert [(r["id"], r["style"]) for r in records] == [("a", "standard"), ("a@simple", "simple")]
    # a run from before styles: standard, reading ease computed now, judge scores cleared
    assert records[0]["scores"] == {"abstention_accuracy": 1.0,
                                    "reading_ease": reading_ease(FRENCH, "fr", False)}  # fmt: skip
    assert records[1]["scores"] == {"reading_ease": 99.0}
    assert [r["id"] for r in reuse_answers(items, tmp_path)] == ["a"]
    (tmp_path / "results.jsonl").write_text(json.dumps(old) + "\n")
    with pytest.raises(EvalError, match=r"pas de réponse pour 1 question\(s\) \(a@simple\)"):
        reuse_answers(items, tmp_path, ("standard", "simple"))


def synthetic(qid: str, style: str, language: str, text: str | None, *, abstained: bool = False,
              passed: tuple[bool, ...] = (), total_ms: float = 1000.0,
              **scores: float) -> dict[str, Any]:  # fmt: skip
    record: dict[str, Any] = {
        "id": record_id(qid, style), "style": style, "question": f"{qid} ?",
        "category": "langue" if language != "fr" else "démarche", "answerable": not abstained,
        "expected_language": language, "scores": scores,
    }  # fmt: skip
    if text is None:
        return record | {"error": "serveur indisponible"}
    return record | {
        "answer": text, "language": language, "abstained": abstained,
        "verdicts": [{"sentence": "s", "passed": ok} for ok in passed],
        "cost": {"total_ms": total_ms, "first_token_ms": 100.0, "tokens": 10},
    }  # fmt: skip


# Simple answers come first on purpose: the summary orders styles standard, simple.
RECORDS = [
    synthetic("a", "simple", "fr", "C'est gratuit. Ouvert le lundi [1].", passed=(True, True),
              abstention_accuracy=1.0, reading_ease=95.0, dropped_share=0.0,
              citation_precision=1.0, hit_at_k=1.0, language_match=1.0),
    synthetic("b", "simple", "en", "It is free [1].", passed=(True,), total_ms=3000.0,
              abstention_accuracy=1.0, dropped_share=0.0, citation_precision=0.5, hit_at_k=0.0,
              language_match=0.0),
    synthetic("c", "simple", "fr", None),
    synthetic("a", "standard", "fr", "Le service est gratuit. Il ouvre le lundi matin [1].",
              passed=(True, False), total_ms=2000.0, abstention_accuracy=1.0, reading_ease=80.0,
              dropped_share=0.5, citation_precision=1.0, hit_at_k=1.0, language_match=1.0),
    synthetic("b", "standard", "en", "The service is free [1].", passed=(True,), total_ms=4000.0,
              abstention_accuracy=1.0, dropped_share=0.0, citation_precision=0.5, hit_at_k=0.0,
              language_match=1.0),
    synthetic("c", "standard", "fr", "Je n'ai pas trouvé.", abstained=True, total_ms=100.0,
              abstention_accuracy=1.0, language_match=1.0),
]  # fmt: skip


def test_readability_and_verification_per_style() -> None:
    styles = by_style(RECORDS)
    assert list(styles) == ["standard", "simple"]
    assert styles["standard"] == {
        "questions": 3, "answers": 2, "abstention_accuracy": 1.0, "reading_ease": 80.0,
        "reading_ease_answers": 1, "words_per_sentence_median": 4.0, "dropped_share": 0.25,
        "sentences_checked": 3, "sentences_dropped": 1, "citation_precision": 0.75,
        "seconds_per_answer": 2.0,
    }  # fmt: skip
    simple = styles["simple"]
    assert simple["questions"] == 3 and simple["answers"] == 2  # the failed question counts
    assert simple["reading_ease"] == 95.0 and simple["words_per_sentence_median"] == 3.0
    assert (simple["sentences_checked"], simple["sentences_dropped"]) == (3, 0)
    assert simple["dropped_share"] == 0.0 and simple["seconds_per_answer"] == 1.0
    assert by_style([{"id": "a", "expected_language": "fr", "scores": {"hit_at_k": 1.0}}]) == {}


def test_quality_per_language_french_first_none_where_nothing_was_measured() -> None:
    languages = by_language(RECORDS)
    assert list(languages) == ["fr", "en"]
    assert languages["fr"] == {"questions": 4, "hit_at_k": 1.0, "language_match": 1.0,
                               "abstention_accuracy": 1.0, "citation_precision": 1.0,
                               "dropped_share": 0.25}  # fmt: skip
    assert languages["en"] == {"questions": 2, "hit_at_k": 0.0, "language_match": 0.5,
                               "abstention_accuracy": 1.0, "citation_precision": 0.5,
                               "dropped_share": 0.0}  # fmt: skip
    retrieval = by_language([{"id": "x", "expected_language": "ar", "scores": {"hit_at_k": 1.0}},
                             {"id": "y", "expected_language": "es", "scores": {}}])  # fmt: skip
    assert list(retrieval) == ["ar", "es"]
    assert retrieval["ar"]["hit_at_k"] == 1.0 and retrieval["ar"]["language_match"] is None
    assert retrieval["es"] == {"questions": 1, "hit_at_k": None, "language_match": None,
                               "abstention_accuracy": None, "citation_precision": None,
                               "dropped_share": None}  # fmt: skip


def test_the_summary_gains_styles_by_style_and_by_language(tmp_path: Path) -> None:
    request = EvalRequest(Path("d.jsonl"), Path("c"), tmp_path, styles=("standard", "simple"),
                          metrics=parse_metrics("retrieval,checks,cost"))  # fmt: skip
    summary = summarize(RECORDS, request, Settings(data_dir=tmp_path), 3.0)
    assert summary["styles"] == ["standard", "simple"]
    assert summary["by_style"] == by_style(RECORDS)
    assert summary["by_language"] == by_language(RECORDS)
    assert summary["metrics"]["reading_ease"] == 87.5
    json.dumps(summary)  # summary.json
    retrieval = EvalRequest(Path("d.jsonl"), Path("c"), tmp_path, styles=("standard", "simple"),
                            metrics=parse_metrics("retrieval"))  # fmt: skip
    records = [{"id": "x", "category": "c", "expected_language": "fr", "scores": {"hit_at_k": 1.0}}]
    bare = summarize(records, retrieval, Settings(data_dir=tmp_path), 1.0)
    assert "styles" not in bare and bare["by_style"] == {}
    assert bare["by_language"]["fr"]["hit_at_k"] == 1.0
