"""The one place that builds concrete objects from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chatbot.answering.pipeline import DEFAULT_RELEVANCE, Answer, Answerer, AnsweringConfig
from chatbot.answering.turns import Turn, record_turn
from chatbot.answering.contacts import ContactBook, load_contacts
from chatbot.retrieval.embedding import SentenceTransformerEmbedder
from chatbot.generation.backends import (
    GenerationOptions,
    Generator,
    LlamaCppGenerator,
    OpenAICompatibleGenerator,
    RequestQueue,
)
from chatbot.retrieval.index import QdrantIndex
from chatbot.text.lexical import FrenchBM25Encoder
from chatbot.models import model_name, model_path, sha256_of, spec_for
from chatbot.privacy.person_names import SpacyNameFinder
from chatbot.privacy.pseudonyms import Pseudonymizer, load_or_create_secret
from chatbot.privacy.redaction import Redactor
from chatbot.retrieval.retriever import RetrievalOptions, Retriever
from chatbot.settings import Settings
from chatbot.store.conversations import Clock, ConversationStore, RetentionPolicy, utc_now
from chatbot.store.database import open_engine
from chatbot.store.staff import AccessLog, StaffDirectory, StaffReads
from chatbot.store.storage import Storage

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
    storage: Storage
    model_sha256: str | None

    @property
    def conversations(self) -> ConversationStore:
        """The conversation store."""
        return self.storage.conversations

    def record(self, turn: Turn, answer: Answer) -> str:
        """Store an answer with its audit record; return its id."""
        return record_turn(
            self.storage.conversations, turn, answer, self.answerer.config, self.model_sha256
        )

    def close(self) -> None:
        """Release the index, the database and any HTTP client."""
        self.search.close()
        self.storage.close()
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


def build_redactor(settings: Settings) -> Redactor:
    """The redactor applied before storage (with spaCy's person names unless disabled)."""
    if not settings.redact_person_names:
        return Redactor()
    finder = SpacyNameFinder()
    finder.load()
    return Redactor(find_names=finder)


def build_storage(
    settings: Settings, redactor: Redactor | None = None, clock: Clock = utc_now
) -> Storage:
    """The conversation store, staff accounts and access log on the configured database."""
    engine = open_engine(settings.resolved_database_url)
    secret = (
        bytes.fromhex(settings.session_secret.get_secret_value())
        if settings.session_secret
        else load_or_create_secret(settings.resolved_secret_file)
    )
    retention = RetentionPolicy(settings.conversation_retention_days, settings.audit_retention_days)
    conversations = ConversationStore(
        engine, Pseudonymizer(secret), redactor or build_redactor(settings), retention, clock
    )
    access_log = AccessLog(engine, clock)
    return Storage(
        engine,
        conversations,
        StaffDirectory(engine, clock),
        access_log,
        StaffReads(conversations, access_log),
    )


def llm_sha256(settings: Settings) -> str | None:
    """The sha256 of the in-process model file, for audit records (pinned, or computed once)."""
    if settings.llm_backend != "llama_cpp":
        return None
    if settings.llm_path is None:
        return spec_for(settings.model_profile, "llm").sha256 or None
    return sha256_of(settings.llm_path) if settings.llm_path.is_file() else None


def build_services(settings: Settings, search: SearchServices | None = None) -> Services:
    """All services for the settings."""
    storage = build_storage(settings)
    search = search or build_search_services(settings)
    generator = build_generator(settings)
    answerer = build_answerer(settings, search, generator)
    return Services(settings, search, generator, answerer, storage, llm_sha256(settings))
