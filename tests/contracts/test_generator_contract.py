"""One contract for every Generator: llama.cpp in process, the OpenAI-compatible backend against
a real `python -m llama_cpp.server`, and the scripted fake used by pure-logic tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chatbot.answering.extractive import ExtractiveGenerator
from chatbot.answering.prompts import build_prompt
from chatbot.domain import Chunk, Passage, QueueFullError, SourceInfo
from chatbot.generation.llamacpp import LlamaCppGenerator
from chatbot.generation.local_server import LocalLlamaServer
from chatbot.generation.openai_compatible import OpenAICompatibleGenerator
from chatbot.generation.queue import RequestQueue
from chatbot.models import SMOLLM2_135M
from chatbot.ports import GenerationOptions, Generator
from tests.conftest import require_models
from tests.fakes import ScriptedGenerator

MESSAGES = [{"role": "user", "content": build_prompt(
    "Quand ouvre la piscine ?",
    [Passage(Chunk("c1", SourceInfo("piscine", "Piscine"), 0,
                   "La piscine ouvre le samedi à 10 heures. Le bassin ferme en août."), 0.1)],
    "fr", "l'agglomération",
).messages[-1]["content"]}]  # fmt: skip


@pytest.fixture(scope="module")
def llama_server(models_dir: Path) -> Iterator[str]:
    require_models(models_dir, "small")
    with LocalLlamaServer(models_dir / SMOLLM2_135M.target, "smollm2", context=1024) as running:
        yield running.url


def small_llama(models_dir: Path, prompt_lookup_tokens: int = 0) -> LlamaCppGenerator:
    """SmolLM2 in process, with prompt-lookup decoding when `prompt_lookup_tokens` > 0."""
    require_models(models_dir, "small")
    return LlamaCppGenerator(models_dir / SMOLLM2_135M.target, "smollm2", RequestQueue(2, 30.0),
                             context=1024, prompt_lookup_tokens=prompt_lookup_tokens)  # fmt: skip


@pytest.fixture(
    params=["llama_cpp", "llama_cpp_prompt_lookup", "openai_compatible", "extractive", "scripted"]
)
def generator(request: pytest.FixtureRequest, models_dir: Path) -> Iterator[Generator]:
    built: Generator
    if request.param == "llama_cpp":
        built = small_llama(models_dir)
    elif request.param == "llama_cpp_prompt_lookup":
        built = small_llama(models_dir, prompt_lookup_tokens=10)
    elif request.param == "openai_compatible":
        built = OpenAICompatibleGenerator(request.getfixturevalue("llama_server"), "smollm2")
    elif request.param == "extractive":
        built = ExtractiveGenerator()
    else:
        built = ScriptedGenerator(*["Bonjour à toutes et à tous, bienvenue au guichet."] * 3)
    yield built
    built.close()


@pytest.mark.integration
def test_it_streams_text_pieces_within_max_tokens(generator: Generator) -> None:
    pieces = list(generator.stream(MESSAGES, GenerationOptions(max_tokens=8, temperature=0.0)))
    assert pieces, "no text was generated"
    assert all(isinstance(piece, str) and piece for piece in pieces)
    assert len(pieces) <= 8
    assert "".join(pieces).strip()


@pytest.mark.integration
def test_it_names_its_model_and_declares_its_queue(generator: Generator) -> None:
    assert isinstance(generator.name, str) and generator.name
    queue = generator.queue
    if queue is not None:
        assert queue.waiting == 0 and not queue.is_full()
        queue.admit()  # a free queue admits without raising


@pytest.mark.integration
def test_closing_the_stream_early_frees_the_generator(generator: Generator) -> None:
    options = GenerationOptions(max_tokens=32, temperature=0.0)
    stream = generator.stream(MESSAGES, options)
    next(stream)
    stream.close()  # the resident went away
    assert list(generator.stream(MESSAGES, GenerationOptions(max_tokens=4)))
    if generator.queue is not None:
        assert generator.queue.waiting == 0


def test_a_full_queue_refuses_at_admission() -> None:
    queue = RequestQueue(size=0, timeout_s=1.0)
    with queue.turn():
        assert queue.is_full()
        with pytest.raises(QueueFullError) as refused:
            queue.admit()
        assert refused.value.retry_after_s >= 1
    queue.admit()


@pytest.mark.integration
def test_prompt_lookup_drafts_change_nothing_in_a_greedy_answer(models_dir: Path) -> None:
    """Speculative decoding only proposes tokens the model then checks: at temperature 0 the
    text starts the same with and without it (the speed is measured by `make bench`). Only the
    start: checking drafts evaluates several tokens in one batch, and on CPUs with AVX-512 or
    AMX those kernels round differently from one-token steps, so a near-tie later on can tip
    the 135M test model either way (seen on a Xeon with AMX)."""
    options = GenerationOptions(max_tokens=48, temperature=0.0)
    texts = []
    for tokens in (0, 10):
        generator = small_llama(models_dir, prompt_lookup_tokens=tokens)
        try:
            texts.append("".join(generator.stream(MESSAGES, options)))
        finally:
            generator.close()
    assert texts[0] and texts[1]
    assert texts[0].split()[:4] == texts[1].split()[:4], texts
