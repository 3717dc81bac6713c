"""Run an evaluation: index the corpus (cached), answer every question, score, write the results.

The corpus goes into its own Qdrant folder under `<data_dir>/eval/`, keyed by the corpus path,
so that an evaluation never touches the live index and a second run only re-reads changed files.
"""

from __future__ import annotations

import gc
import hashlib
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from chatbot.answering.citations import cosine, lexical_support
from chatbot.answering.pipeline import SOURCE_LANGUAGE, Answer, Answerer, Style
from chatbot.domain import GuichetError, Passage
from chatbot.models import model_name
from chatbot.settings import Settings
from chatbot.text.language import detect_language
from eval.checks import (
    citation_scores,
    reading_ease,
    reference_overlap,
)
from eval.dataset import EvalItem, load_dataset
from eval.judge import JUDGE_METRICS, JudgeSample
from eval.request import EvalError, EvalRequest, record_id, wants
from eval.retrieval_metrics import hit_at_k, recall_at_k, reciprocal_rank, unique_in_order
from eval.run_folder import load_run, reuse_answers, write_results
from eval.summary import summarize

if TYPE_CHECKING:
    from chatbot.safety import SafetyPolicy
    from chatbot.wiring import SearchServices


class Progress(Protocol):
    """Where the runner reports how far it is (a progress bar in the command line)."""

    def stage(self, label: str, total: int | None) -> None: ...
    def advance(self, steps: int = 1) -> None: ...


class SilentProgress:
    """No progress display."""

    def stage(self, label: str, total: int | None) -> None:
        """Ignore."""

    def advance(self, steps: int = 1) -> None:
        """Ignore."""


def eval_settings(settings: Settings, corpus: Path) -> Settings:
    """The settings with a data folder of its own for this corpus (the cached eval index)."""
    resolved = corpus.resolve()
    slug = re.sub(r"[^a-z0-9]+", "-", resolved.name.lower()).strip("-") or "corpus"
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:10]
    return settings.model_copy(
        update={
            "data_dir": settings.data_dir / "eval" / f"{slug}-{digest}",
            "models_dir": settings.resolved_models_dir,
        }
    )


def run_evaluation(
    settings: Settings, request: EvalRequest, progress: Progress | None = None
) -> dict[str, Any]:
    """Run the evaluation, write results, summary and report under `request.out`; return the
    summary."""
    from chatbot.wiring import build_ingester, build_safety_policy, build_search_services
    from eval.report import write_report
    from ingestion.manifest import read_manifest_file

    progress = progress or SilentProgress()
    if not request.corpus.is_dir():
        raise EvalError(f"Corpus introuvable : {request.corpus}. Donnez un dossier de documents.")
    items = load_dataset(request.dataset, request.limit)
    previous = load_run(request.compare) if request.compare else None  # fail before the long work
    manifest = read_manifest_file(request.manifest) if request.manifest else None
    request.out.mkdir(parents=True, exist_ok=True)  # an unwritable folder fails now, not at the end
    judge_error = None
    safety: dict[str, Any] | None = None
    started = time.perf_counter()
    settings = eval_settings(settings, request.corpus)
    search = build_search_services(settings)
    policy = build_safety_policy(search, settings)  # one policy: its examples are embedded once
    try:
        progress.stage("Indexation du corpus", None)
        report = build_ingester(settings, search).run(
            [request.corpus],
            on_file=lambda _path, _chunks: progress.advance(),
            on_start=lambda total: progress.stage("Indexation du corpus", total),
            manifest=manifest,
        )  # fmt: skip
        indexed = set(search.index.documents())
        if request.retrieval_only:
            records = _retrieve_all(
                items, search.retriever.search_many, request.k, indexed, progress
            )
        else:
            if request.answers is not None:
                records = reuse_answers(items, request.answers, request.styles)
            else:
                records = _answer_with_model(
                    items, search, request, settings, indexed, progress, policy
                )
            gc.collect()  # the answering model is gone before the judge loads its own copy
            write_results(request.out, records, None)  # the answers are safe whatever follows
            if wants(request.metrics, "ragas"):
                try:
                    _judge_all(records, settings, request, search.embedder, progress)
                except Exception as error:  # answers and judge-free scores are still reported
                    judge_error = f"{type(error).__name__}: {error}"
        if wants(request.metrics, "safety"):
            safety = run_safety(search, request.metrics, progress, policy)
    finally:
        search.close()
    missing = sorted({s for item in items for s in item.source_ids} - indexed)
    summary = summarize(records, request, settings, time.perf_counter() - started)
    summary["ingest"] = report.as_dict() | {"missing_expected_sources": missing[:50]}
    summary["unscored_for_retrieval"] = sum(
        1 for item in items if item.source_ids and not set(item.source_ids) & indexed
    )
    if judge_error is not None:
        summary.setdefault("judge", {})["error"] = judge_error
    if safety is not None:
        summary["safety"] = safety
    write_results(request.out, records, summary)
    write_report(request.out, records, summary, previous)
    return summary


def run_safety(
    search: SearchServices,
    metrics: frozenset[str],
    progress: Progress,
    policy: SafetyPolicy | None = None,
) -> dict[str, Any]:
    """The red-team set through the safety policy the service builds (the answering one when
    given; else a new one on the same embedder, with its thresholds), and a fixed slice of the
    verifier benchmark (rules only) when the service-public sheets are beside the repository.
    A part that fails is reported as such."""
    from chatbot.wiring import build_safety_policy
    from eval import red_team, verifier_benchmark

    result: dict[str, Any] = {}
    if wants(metrics, "safety", "red_team"):
        try:
            cases = red_team.load_cases()
            progress.stage("Garde-fous : jeu de questions hostiles", len(cases))
            policy = policy or build_safety_policy(search)
            decisions = red_team.run(policy, cases, progress.advance)
            result["red_team"] = red_team.summarize(cases, decisions, search.embedder.name)
        except Exception as error:  # the answers and the other scores are still reported
            result["red_team"] = {"error": f"{type(error).__name__}: {error}"}
    if wants(metrics, "safety", "verifier"):
        label = "Garde-fous : banc d'essai du vérificateur"
        progress.stage(label, None)
        try:
            result["verifier"] = verifier_benchmark.eval_summary(
                on_start=lambda total: progress.stage(label, total), on_done=progress.advance
            )
        except Exception as error:
            result["verifier"] = {"error": f"{type(error).__name__}: {error}"}
    return result


def _retrieve_all(
    items: Sequence[EvalItem],
    search_many: Callable[..., list[list[Passage]]],
    k: int,
    indexed: set[str],
    progress: Progress,
) -> list[dict[str, Any]]:
    progress.stage("Recherche", len(items))
    records = []
    batch = 32
    for start in range(0, len(items), batch):
        chosen = items[start : start + batch]
        results = search_many([item.question for item in chosen], limit=max(k, 10))
        for item, passages in zip(chosen, results, strict=True):
            record = _base_record(item)
            record["retrieved"] = [p.chunk.source.source_id for p in passages]
            record["scores"] = retrieval_scores(record["retrieved"], item.source_ids, k, indexed)
            records.append(record)
        progress.advance(len(chosen))
    return records


def _answer_with_model(
    items: Sequence[EvalItem],
    search: SearchServices,
    request: EvalRequest,
    settings: Settings,
    indexed: set[str],
    progress: Progress,
    policy: SafetyPolicy | None = None,
) -> list[dict[str, Any]]:
    """Load the answering model, answer every question, and let the model go."""
    from chatbot.wiring import build_answerer, build_generator

    generator = build_generator(settings)
    try:
        answerer = build_answerer(settings, search, generator, policy)
        if request.k > answerer.config.candidates:
            raise EvalError(
                f"--k vaut {request.k}, mais le chatbot ne garde que "
                f"{answerer.config.candidates} passages par question : choisissez un k plus petit."
            )
        return _answer_all(
            items, answerer, search.embedder.embed_documents, request, settings, indexed, progress
        )
    finally:
        generator.close()


def _answer_all(
    items: Sequence[EvalItem],
    answerer: Answerer,
    embed_documents: Callable[[Sequence[str]], list[list[float]]],
    request: EvalRequest,
    settings: Settings,
    indexed: set[str],
    progress: Progress,
) -> list[dict[str, Any]]:
    styles = [_STYLES[name] for name in request.styles]
    progress.stage("Réponses", len(items) * len(styles))
    answers: dict[tuple[Style, str], Answer] = {}  # (style, question id): each style's thread
    by_id = {item.id: item for item in items}
    records = []
    threshold = settings.support_threshold

    vectors: dict[str, list[float]] = {}

    def vector(text: str) -> list[float]:
        if text not in vectors:
            vectors[text] = embed_documents([text])[0]
        return vectors[text]

    def support(sentence: str, passage: str) -> float:
        """Word overlap averaged with embedding similarity, as the live citation check does."""
        return (lexical_support(sentence, passage) + cosine(vector(sentence), vector(passage))) / 2

    def meaning(sentence: str, passage: str) -> float:
        """Similarity alone, for answers in another language than their French sources."""
        return cosine(vector(sentence), vector(passage))

    from chatbot.wiring import build_energy_meter

    meter = build_energy_meter(settings)
    for item in items:
        for style in styles:  # the styles of one question side by side in results.jsonl
            history = _history(item, by_id, answers, style)
            try:
                answer = answerer.answer(item.question, history, style=style)
            except GuichetError as error:  # one failed question is reported, the others go on
                records.append(_base_record(item, style) | {"error": str(error), "scores": {}})
                progress.advance()
                continue
            answers[(style, item.id)] = answer
            french = answer.language == SOURCE_LANGUAGE  # as the live check: meaning alone else
            record = answer_record(item, answer, request.k,
                                   threshold if french else settings.meaning_support_threshold,
                                   support if french else meaning, indexed, style)  # fmt: skip
            energy = meter.for_seconds((answer.timings.get("total_ms") or 0.0) / 1000)
            record["cost"].update(
                energy_wh=energy.wh, gco2e=energy.gco2e, energy_method=energy.method
            )
            records.append(record)
            progress.advance()
    return records


_STYLES: dict[str, Style] = {"standard": "standard", "simple": "simple"}


def _history(
    item: EvalItem,
    by_id: dict[str, EvalItem],
    answers: dict[tuple[Style, str], Answer],
    style: Style = "standard",
) -> list[tuple[str, str]]:
    """The earlier exchanges a follow-up continues, oldest first, as answered in this style."""
    chain = []
    parent = item.follow_up_of
    while parent is not None:
        if (style, parent) in answers:  # a parent whose answer failed is left out of the history
            chain.append((by_id[parent].question, answers[(style, parent)].text))
        parent = by_id[parent].follow_up_of
    return list(reversed(chain))


def _base_record(item: EvalItem, style: str | None = None) -> dict[str, Any]:
    """The question's own fields; with a style (answers, not retrieval alone), the record's id,
    its style and the id of the answer it follows up are those of that style."""
    record: dict[str, Any] = {
        "id": item.id,
        "question": item.question,
        "category": item.category,
        "answerable": item.answerable,
        "reference": item.reference,
        "expected_sources": list(item.source_ids),
        "expected_language": item.language or detect_language(item.question),
        "follow_up_of": item.follow_up_of,
    }
    if style is not None:
        record["id"] = record_id(item.id, style)
        record["style"] = style
        if item.follow_up_of is not None:
            record["follow_up_of"] = record_id(item.follow_up_of, style)
    return record


def retrieval_scores(
    ranked: Sequence[str], expected: Sequence[str], k: int, indexed: set[str] | None = None
) -> dict[str, float]:
    """hit@1, hit@k, recall@k and reciprocal rank over the expected sources that are in the
    index (empty when there are none: a question whose document is absent is not scored)."""
    wanted = {s for s in expected if indexed is None or s in indexed}
    if not wanted:
        return {}
    return {
        "hit_at_1": float(hit_at_k(ranked, wanted, 1)),
        "hit_at_k": float(hit_at_k(ranked, wanted, k)),
        "recall_at_k": recall_at_k(ranked, wanted, k),
        "mrr": reciprocal_rank(ranked, wanted),
    }


def answer_record(
    item: EvalItem,
    answer: Answer,
    k: int,
    threshold: float,
    support: Callable[[str, str], float] = lexical_support,
    indexed: set[str] | None = None,
    style: str = "standard",
) -> dict[str, Any]:
    """Everything about one answered question in one style, with its judge-free scores."""
    record = _base_record(item, style)
    passages = [p.chunk.embedding_text() for p in answer.passages]  # as the model read them
    record.update(
        standalone_question=answer.standalone_question,
        search_question=answer.search_question,
        answer=answer.text,
        language=answer.language,
        abstained=answer.abstained,
        reason=answer.reason,
        citations=[c.as_dict() for c in answer.citations],
        passages=[{"n": n, "source_id": p.chunk.source.source_id, "chunk_id": p.chunk.chunk_id,
                   "title": p.chunk.source.title, "headings": list(p.chunk.headings),
                   "text": p.chunk.text,
                   "dense_score": p.dense_score, "lexical_score": p.lexical_score}
                  for n, p in enumerate(answer.passages, start=1)],
        retrieved=unique_in_order([p.chunk.source.source_id for p in answer.retrieved]),
        instructions_removed=answer.instructions_removed,
        verdicts=[verdict.as_json() for verdict in answer.verdicts],
        cost={"total_ms": answer.timings.get("total_ms"),
              "first_token_ms": answer.timings.get("first_token_ms"),
              "first_sentence_ms": answer.timings.get("first_sentence_ms"),
              "verification_ms": answer.timings.get("verification_ms"), "tokens": answer.tokens},
    )  # fmt: skip
    scores: dict[str, float | None] = dict(
        retrieval_scores(record["retrieved"], item.source_ids, k, indexed)
    )
    scores["abstention_accuracy"] = float(item.answerable != answer.abstained)
    if answer.verdicts:
        scores["dropped_share"] = len(answer.dropped) / len(answer.verdicts)
    # A decline is a fixed message written in the language the pipeline chose; the French names
    # of the services it points to would make the detector read it as French.
    answer_language = (
        answer.language if answer.abstained else detect_language(answer.text, answer.language)
    )
    scores["reading_ease"] = reading_ease(answer.text, answer.language, answer.abstained)
    scores["language_match"] = float(answer_language == record["expected_language"])
    if not answer.abstained:
        cited = citation_scores(answer.text, passages, threshold, support)
        scores["citation_precision"] = cited.precision
        scores["uncited_share"] = cited.uncited_share
        scores["groundedness"] = answer.groundedness
        if item.reference:
            scores["reference_recall"], scores["reference_f1"] = reference_overlap(
                answer.text, item.reference
            )
    elif item.answerable and item.reference:  # a wrong decline says none of the reference
        scores["reference_recall"], scores["reference_f1"] = 0.0, 0.0
    record["scores"] = {name: value for name, value in scores.items() if value is not None}
    record["judge_failures"] = {}
    return record


def _judge_all(
    records: list[dict[str, Any]],
    settings: Settings,
    request: EvalRequest,
    embedder: Any,
    progress: Progress,
) -> None:
    """Score the answers with ragas against the local LLM served on loopback. Faithfulness
    reads the passages each answer cites (or all those shown, as `request.judge_contexts`
    says); the context metrics read all the passages shown."""
    from chatbot.wiring import build_judge_server
    from eval.checks import without_markers
    from eval.judge import RagasJudge

    metrics = request.metrics
    chosen = [m for m in JUDGE_METRICS if "ragas" in metrics or m in metrics]
    judged = [r for r in records if not r.get("abstained") and r.get("passages")]
    if not judged:
        return
    samples = [
        JudgeSample(
            question=r["standalone_question"],
            answer=without_markers(r["answer"]),
            contexts=tuple(read_as(p) for p in r["passages"]),
            reference=r["reference"],
            faithfulness_contexts=cited_contexts(r) if request.judge_contexts == "cited" else None,
        )
        for r in judged
    ]
    progress.stage("Juge local (ragas)", len(samples) * len(chosen))
    alias = model_name(settings, "llm")
    with build_judge_server(settings) as server:
        judge = RagasJudge(server.url, alias, embedder.embed_queries, chosen,
                           max_tokens=settings.judge_max_tokens,
                           relevancy_questions=settings.judge_relevancy_questions)  # fmt: skip
        results = judge.score_all(samples, on_done=progress.advance)
    for record, result in zip(judged, results, strict=True):
        record["scores"].update(result.scores)
        record["judge_failures"] = result.failures
    for record in records:
        record["judge_model"] = alias
        record["judge_contexts"] = request.judge_contexts


def cited_contexts(record: dict[str, Any]) -> tuple[str, ...] | None:
    """The texts of the passages an answer cites, as shown to the model (title and headings,
    then text); None when it cites none (the judge then reads every passage shown)."""
    cited = {citation["n"] for citation in record.get("citations") or ()}
    texts = tuple(read_as(p) for p in record["passages"] if p["n"] in cited)
    return texts or None


def read_as(passage: dict[str, Any]) -> str:
    """A passage record's text as the model read it: title and headings, then text."""
    context = " > ".join(part for part in (passage.get("title"), *passage.get("headings", ())) if part)  # fmt: skip
    return f"{context}\n{passage['text']}" if context else str(passage["text"])
