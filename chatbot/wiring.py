"""The one place that builds concrete objects from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chatbot.answering import DEFAULT_RELEVANCE, Answerer, AnsweringConfig
from chatbot.contacts import ContactBook, load_contacts
from chatbot.conversation_log import SqliteConversationLog
from chatbot.embedding import SentenceTransformerEmbedder
from chatbot.generation import (
    GenerationOptions,
    Generator,
    LlamaCppGenerator,
    OpenAICompatibleGenerator,
    RequestQueue,
)
from chatbot.index import QdrantIndex
from chatbot.lexical import FrenchBM25Encoder
from chatbot.models import model_name, model_path
from chatbot.retrieval import RetrievalOptions, Retriever
from chatbot.settings import Settings

DEMO_CONTACTS = Path(__file__).resolve().parents[1] / "corpus" / "contacts.yaml"


def build_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The sentence-transformers embedder named by the settings (raises if it is missing)."""
    return SentenceTransformerEmbedder(
        model_path(settings, "embedder"),
        name=model_name(settings, "embedder"),
        device=settings.embedding_device,
        batch_size=settings.embedding_batch_size,
    )


def build_index(settings: Settings, embedder: SentenceTransformerEmbedder) -> QdrantIndex:
    """The Qdrant collection for this embedder."""
    return QdrantIndex.open(settings, embedder.name, embedder.dimension)


@dataclass
class SearchServices:
    """What a search needs: embedder, index and retriever, built once."""

    embedder: SentenceTransformerEmbedder
    index: QdrantIndex
    encoder: FrenchBM25Encoder
    retriever: Retriever

    def close(self) -> None:
        """Release the index."""
        self.index.close()


def build_search_services(settings: Settings) -> SearchServices:
    """Embedder, index and retriever for the settings."""
    embedder = build_embedder(settings)
    index = build_index(settings, embedder)
    encoder = FrenchBM25Encoder()
    retriever = Retriever(
        index,
        embedder,
        encoder,
        RetrievalOptions(
            limit=settings.retrieval_k,
            candidates=settings.retrieval_candidates,
            rrf_k=settings.rrf_k,
        ),
    )
    return SearchServices(embedder, index, encoder, retriever)


def build_generator(settings: Settings) -> Generator:
    """The in-process llama.cpp model, or a client of an OpenAI-compatible server."""
    if settings.llm_backend == "openai":
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return OpenAICompatibleGenerator(settings.llm_base_url, settings.llm_model, key)
    queue = RequestQueue(settings.queue_size, settings.queue_timeout_s)
    return LlamaCppGenerator(
        model_path(settings, "llm"),
        model_name(settings, "llm"),
        queue,
        context=settings.llm_context,
        threads=settings.llm_threads,
        gpu_layers=settings.llm_gpu_layers,
    )


def build_contacts(settings: Settings) -> ContactBook:
    """The contacts table (the demo corpus's unless GUICHET_CONTACTS_FILE is set)."""
    return load_contacts(settings.contacts_file or DEMO_CONTACTS)


def relevance_threshold(settings: Settings, embedder_name: str) -> float:
    """The relevance gate for this embedder."""
    if settings.relevance_threshold is not None:
        return settings.relevance_threshold
    return DEFAULT_RELEVANCE.get(embedder_name, 0.35)


@dataclass
class Services:
    """Everything the API and the CLI need, built once."""

    settings: Settings
    search: SearchServices
    generator: Generator
    answerer: Answerer
    log: SqliteConversationLog

    def close(self) -> None:
        """Release the index, the database and any HTTP client."""
        self.search.close()
        self.log.close()
        close = getattr(self.generator, "close", None)
        if close is not None:
            close()


def build_answerer(settings: Settings, search: SearchServices, generator: Generator) -> Answerer:
    """The answering pipeline over these search services and this generator."""
    config = AnsweringConfig(
        authority=settings.authority_name,
        relevance_threshold=relevance_threshold(settings, search.embedder.name),
        context_passages=settings.context_passages,
        context_chars=settings.context_chars,
        support_threshold=settings.support_threshold,
        generation=GenerationOptions(
            max_tokens=settings.max_answer_tokens,
            temperature=settings.temperature,
            timeout_s=settings.generation_timeout_s,
        ),
    )
    return Answerer(
        search.retriever, generator, build_contacts(settings), config, search.embedder.embed_queries
    )


def build_services(settings: Settings, search: SearchServices | None = None) -> Services:
    """All services for the settings."""
    search = search or build_search_services(settings)
    generator = build_generator(settings)
    answerer = build_answerer(settings, search, generator)
    return Services(settings, search, generator, answerer, SqliteConversationLog(settings.log_path))
