"""ragas metrics with a local judge: the local LLM behind an OpenAI-compatible server on loopback.

ragas is imported only here and only when a judge metric is asked for: it is slow to import and
must never phone home (telemetry is switched off before the import). A judge call that fails
(the model's JSON did not parse, a timeout) is counted per metric with its reason, never dropped.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

JUDGE_METRICS = ("faithfulness", "answer_relevancy", "context_precision", "context_recall")
T = TypeVar("T")
EmbedQueries = Callable[[Sequence[str]], list[list[float]]]


@dataclass(frozen=True)
class JudgeSample:
    """What the judge needs about one answer."""

    question: str
    answer: str
    contexts: tuple[str, ...]
    reference: str | None
    faithfulness_contexts: tuple[str, ...] | None = None  # None: `contexts`


@dataclass
class JudgeResult:
    """Scores of one sample, and why each missing one is missing."""

    scores: dict[str, float] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def run_to_completion(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from synchronous code, even where this thread already runs an event loop
    (a notebook, a Playwright sync session): then it runs on its own loop in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="guichet-judge") as worker:
        return worker.submit(asyncio.run, coroutine).result()


def applicable(metric: str, sample: JudgeSample) -> bool:
    """Whether a metric can score this sample (context metrics need a reference)."""
    if not sample.answer.strip() or not sample.contexts:
        return False
    if metric in ("context_precision", "context_recall"):
        return bool(sample.reference)
    return True


def failure_kind(error: BaseException) -> str:
    """A short reason for a failed judge call: parse (unusable JSON), timeout or error."""
    name = type(error).__name__.lower()
    text = str(error).lower()
    if "timeout" in name or "timed out" in text or "timeout" in text:
        return "timeout"
    if "retry" in name or "validation" in name or "json" in name or "validation" in text:
        return "parse"
    return "error"


class RagasJudge:
    """Scores samples with ragas' collection metrics against a local OpenAI-compatible server."""

    def __init__(
        self,
        base_url: str,
        model: str,
        embed_queries: EmbedQueries,
        metrics: Sequence[str] = JUDGE_METRICS,
        max_tokens: int = 1024,
        timeout_s: float = 300.0,
        max_retries: int = 1,
        relevancy_questions: int = 3,
    ) -> None:
        os.environ["RAGAS_DO_NOT_TRACK"] = "true"  # never phone home, whatever the environment says
        os.environ["DO_NOT_TRACK"] = "true"
        import httpx
        from openai import AsyncOpenAI
        from ragas.llms import llm_factory

        self.metric_names = tuple(m for m in metrics if m in JUDGE_METRICS)
        self._client = AsyncOpenAI(
            base_url=base_url, api_key="local", timeout=timeout_s, max_retries=0,
            # loopback: never through an HTTP(S)_PROXY the environment may name
            http_client=httpx.AsyncClient(trust_env=False, timeout=timeout_s),
        )  # fmt: skip
        self._llm = llm_factory(
            model, client=self._client, max_tokens=max_tokens, max_retries=max_retries
        )
        self.relevancy_questions = relevancy_questions
        self._metrics = self._build(embed_queries)

    def _build(self, embed_queries: EmbedQueries) -> dict[str, Any]:
        from ragas.metrics.collections import (
            AnswerRelevancy,
            ContextPrecision,
            ContextRecall,
            Faithfulness,
        )

        builders: dict[str, Callable[[], Any]] = {
            "faithfulness": lambda: Faithfulness(llm=self._llm),
            "answer_relevancy": lambda: AnswerRelevancy(
                llm=self._llm,
                embeddings=_local_embeddings(embed_queries),
                strictness=self.relevancy_questions,
            ),
            "context_precision": lambda: ContextPrecision(llm=self._llm),
            "context_recall": lambda: ContextRecall(llm=self._llm),
        }
        return {name: builders[name]() for name in self.metric_names}

    def score_all(
        self, samples: Sequence[JudgeSample], on_done: Callable[[], None] = lambda: None
    ) -> list[JudgeResult]:
        """Score every sample (one call at a time: the local judge serves one request);
        `on_done` is called after each (metric, sample) pair."""

        async def run() -> list[JudgeResult]:
            results = [JudgeResult() for _ in samples]
            # Metric by metric: consecutive calls share the metric's long instructions, and
            # llama.cpp reuses the prefix it has just evaluated. (llama_cpp.server's --cache keeps
            # whole states with their logits: it grew past 20 GB here and was killed, so no.)
            for name, metric in self._metrics.items():
                for sample, result in zip(samples, results, strict=True):
                    await self._score(name, metric, sample, result)
                    on_done()
            await self._client.close()
            return results

        return run_to_completion(run())

    async def _score(
        self, name: str, metric: Any, sample: JudgeSample, result: JudgeResult
    ) -> None:
        if not applicable(name, sample):
            return
        try:
            value = await self._call(name, metric, sample)
        except Exception as error:  # any judge failure is counted, not raised
            result.failures[name] = f"{failure_kind(error)}: {str(error)[:200]}"
            return
        if value is None or math.isnan(value):
            result.failures[name] = "empty: le juge n'a trouvé aucune affirmation à noter"
        else:
            result.scores[name] = float(value)

    @staticmethod
    async def _call(name: str, metric: Any, sample: JudgeSample) -> float | None:
        contexts = list(sample.contexts)
        if name == "faithfulness":
            read = sample.faithfulness_contexts
            outcome = await metric.ascore(user_input=sample.question, response=sample.answer,
                                          retrieved_contexts=contexts if read is None else list(read))  # fmt: skip
        elif name == "answer_relevancy":
            outcome = await metric.ascore(user_input=sample.question, response=sample.answer)
        else:
            outcome = await metric.ascore(
                user_input=sample.question, reference=sample.reference, retrieved_contexts=contexts
            )
        value = outcome.value
        return None if value is None else float(value)


def _local_embeddings(embed_queries: EmbedQueries) -> Any:
    """Our sentence-transformers embedder behind ragas' embeddings interface."""
    from ragas.embeddings.base import BaseRagasEmbedding

    class LocalEmbeddings(BaseRagasEmbedding):
        def embed_text(self, text: str, **kwargs: Any) -> list[float]:
            return embed_queries([text])[0]

        async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
            return embed_queries([text])[0]

        def embed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
            return embed_queries(texts)

        async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
            return embed_queries(texts)

    return LocalEmbeddings()
