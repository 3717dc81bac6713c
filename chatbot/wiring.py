"""The one place that builds concrete objects from the settings (the composition root).

Everything else receives its collaborators; only the API and the command line call in here.
Services are context managers: `with build_services(settings) as services: ...` releases the
model, the index and the database at the end.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from chatbot.answering.contacts import ContactBook, load_contacts
from chatbot.answering.extractive import ExtractiveGenerator
from chatbot.answering.pipeline import Answerer, AnsweringConfig
from chatbot.answering.turns import ConversationService, TurnLimits
from chatbot.energy import EnergyConstants, EnergyMeter
from chatbot.generation.llamacpp import LlamaCppGenerator
from chatbot.generation.local_server import LocalLlamaServer
from chatbot.generation.openai_compatible import OpenAICompatibleGenerator
from chatbot.generation.queue import RequestQueue
from chatbot.models import model_name, model_path, sha256_of, spec_for
from chatbot.ports import GenerationOptions, Generator
from chatbot.privacy.person_names import SpacyNameFinder
from chatbot.privacy.pseudonyms import Pseudonymizer, load_or_create_secret
from chatbot.privacy.redaction import Redactor
from chatbot.privacy.retention import RetentionScheduler
from chatbot.retrieval.embedding import LazyEmbedder
from chatbot.retrieval.index import QdrantIndex
from chatbot.retrieval.retriever import HybridRetriever, RetrievalOptions
from chatbot.safety import SafetyPolicy, thresholds_for
from chatbot.settings import Settings
from chatbot.store.conversations import Clock, ConversationStore, RetentionPolicy, utc_now
from chatbot.store.database import open_engine
from chatbot.store.staff import AccessLog, StaffDirectory, StaffReads
from chatbot.store.storage import Storage
from chatbot.text.lexical import FrenchBM25Encoder
from chatbot.verification.entailment import EntailmentScorer, ModelEntailmentScorer
from chatbot.verification.verifier import VerifierConfig

if TYPE_CHECKING:
    from ingestion.crawl.scheduler import CrawlScheduler
    from ingestion.pipeline import Ingester


class _ClosedOnExit:
    """`with build_…(settings) as services:` releases them at the end of the block."""

    def close(self) -> None:
        """Release what the object holds."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def default_contacts_file() -> Path:
    """The contacts table shipped inside the package (so that a built wheel has it)."""
    return Path(str(resources.files("chatbot.answering") / "contacts.yaml"))


def build_embedder(settings: Settings) -> LazyEmbedder:
    """The sentence-transformers embedder named by the settings, loaded on its first use (an
    unchanged ingestion never loads it); raises at once if its folder is missing."""
    return LazyEmbedder(
        model_path(settings, "embedder"),
        name=model_name(settings, "embedder"),
        device=settings.embedding_device,
        batch_size=settings.embedding_batch_size,
        precision=settings.embedding_precision,
    )


def build_index(settings: Settings, embedder: LazyEmbedder) -> QdrantIndex:
    """The Qdrant collection for this embedder."""
    return QdrantIndex.open(settings, embedder.name, embedder.dimension)


@dataclass
class SearchServices(_ClosedOnExit):
    """What a search needs: embedder, index and retriever, built once."""

    embedder: LazyEmbedder
    index: QdrantIndex
    encoder: FrenchBM25Encoder
    retriever: HybridRetriever

    def close(self) -> None:
        """Release the index."""
        self.index.close()


def build_search_services(settings: Settings) -> SearchServices:
    """Embedder, index and retriever for the settings."""
    embedder = build_embedder(settings)
    index = build_index(settings, embedder)
    encoder = FrenchBM25Encoder()
    retriever = HybridRetriever(
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


def build_ingester(settings: Settings, search: SearchServices) -> Ingester:
    """The ingestion pipeline writing into this index with this embedder."""
    from ingestion.pipeline import ChunkingOptions, Ingester

    return Ingester(
        search.index,
        search.embedder,
        search.encoder,
        ChunkingOptions(settings.chunk_size, settings.chunk_overlap),
        max_file_bytes=int(settings.max_file_mb * 1e6),
    )


def build_generator(settings: Settings) -> Generator:
    """The in-process llama.cpp model, or a client of an OpenAI-compatible server."""
    if settings.llm_backend == "openai":
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return OpenAICompatibleGenerator(settings.llm_base_url, settings.llm_model, key)
    if settings.llm_backend == "extractive":
        return ExtractiveGenerator()
    queue = RequestQueue(settings.queue_size, settings.queue_timeout_s)
    return LlamaCppGenerator(
        model_path(settings, "llm"),
        model_name(settings, "llm"),
        queue,
        context=settings.llm_context,
        threads=settings.llm_threads,
        gpu_layers=settings.llm_gpu_layers,
        prompt_lookup_tokens=settings.prompt_lookup_tokens if settings.prompt_lookup else 0,
    )


def build_energy_meter(settings: Settings) -> EnergyMeter:
    """The Green Algorithms estimate with the settings' constants, on the model's cores."""
    constants = EnergyConstants(
        core_watts=settings.energy_core_watts, core_usage=settings.energy_core_usage,
        memory_watts_per_gb=settings.energy_memory_watts_per_gb, pue=settings.energy_pue,
        carbon_intensity=settings.energy_carbon_intensity,
    )  # fmt: skip
    return EnergyMeter(constants, settings.llm_threads or os.cpu_count() or 1)


def build_judge_server(settings: Settings) -> LocalLlamaServer:
    """A local `llama_cpp.server` serving the settings' model, for the evaluation judge."""
    return LocalLlamaServer(
        model_path(settings, "llm"), model_name(settings, "llm"),
        context=max(settings.llm_context, 4096), threads=settings.llm_threads,
        gpu_layers=settings.llm_gpu_layers,
    )  # fmt: skip


def build_contacts(settings: Settings) -> ContactBook:
    """The contacts table: GUICHET_CONTACTS_FILE, or the one shipped with the package."""
    return load_contacts(settings.contacts_file or default_contacts_file())


def answering_config(settings: Settings) -> AnsweringConfig:
    """The pipeline's knobs from the settings."""
    return AnsweringConfig(
        authority=settings.authority_name,
        relevance_threshold=settings.relevance_threshold,
        context_passages=settings.context_passages,
        context_chars=settings.context_chars,
        candidates=settings.answer_candidates,
        support_threshold=settings.support_threshold,
        meaning_support_threshold=settings.meaning_support_threshold,
        answer_via_french=settings.answer_via_french,
        translation_threshold=settings.translation_support_threshold,
        verifier=VerifierConfig(
            hard_facts=settings.verify_hard_facts,
            polarity=settings.verify_polarity,
            min_support=settings.support_threshold,
            min_entailment=settings.entailment_threshold,
        ),
        citation_grammar=settings.citation_grammar,
        allowed_domains=tuple(settings.allowed_link_domains),
        max_sentences=settings.max_answer_sentences,
        generation=GenerationOptions(
            max_tokens=settings.max_answer_tokens,
            temperature=settings.temperature,
            timeout_s=settings.generation_timeout_s,
        ),
    )


def build_answerer(
    settings: Settings,
    search: SearchServices,
    generator: Generator,
    safety: SafetyPolicy | None = None,
) -> Answerer:
    """The answering pipeline over these search services and this generator (and this safety
    policy, when the caller keeps one: `guichet eval` runs the red-team set through it too)."""
    return Answerer(
        search.retriever,
        generator,
        build_contacts(settings),
        answering_config(settings),
        search.embedder,
        scorer=build_entailment(settings, generator),
        safety=safety or build_safety_policy(search, settings),
    )


def build_safety_policy(search: SearchServices, settings: Settings | None = None) -> SafetyPolicy:
    """The safety policy over the search embedder, with the thresholds calibrated for it (the
    answering pipeline and `guichet eval`'s red-team run use the same); with settings, its
    examples' vectors are kept in <data_dir>/cache for the next process."""
    cache_dir = settings.data_dir / "cache" if settings is not None else None
    return SafetyPolicy(search.embedder, thresholds_for(search.embedder.name), cache_dir=cache_dir)


def build_entailment(settings: Settings, generator: Generator) -> EntailmentScorer | None:
    """The model's entailment check, when enabled and the model runs in this process."""
    if not settings.verify_entailment or not isinstance(generator, LlamaCppGenerator):
        return None
    return ModelEntailmentScorer(generator)


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


def build_retention(settings: Settings, store: ConversationStore) -> RetentionScheduler:
    """The purge schedule run inside the service."""
    return RetentionScheduler(store, settings.purge_interval_hours * 3600)


def llm_sha256(settings: Settings) -> str | None:
    """The sha256 of the in-process model file, for audit records (pinned, or computed once)."""
    if settings.llm_backend != "llama_cpp":
        return None
    if settings.llm_path is None:
        return spec_for(settings.model_profile, "llm").sha256 or None
    return sha256_of(settings.llm_path) if settings.llm_path.is_file() else None


def turn_limits(settings: Settings) -> TurnLimits:
    """Bounds on one conversation turn."""
    return TurnLimits(settings.max_message_chars, settings.max_history_turns)


@dataclass
class Services(_ClosedOnExit):
    """Everything the API and the CLI need, built once."""

    settings: Settings
    search: SearchServices
    generator: Generator
    answerer: Answerer
    storage: Storage
    conversations: ConversationService
    retention: RetentionScheduler
    crawl: CrawlScheduler

    @property
    def store(self) -> ConversationStore:
        """The conversation store (sessions, answers, residents' rights, retention)."""
        return self.storage.conversations

    def start(self) -> None:
        """Make a served instance ready: the safety classifier's examples embedded before the
        first resident asks, then the purge and crawl schedules."""
        if self.answerer.safety is not None:
            self.answerer.safety.classifier.warm_up()
        self.retention.start()
        self.crawl.start()

    def close(self) -> None:
        """Release the index, the database and the model (or its HTTP client)."""
        self.retention.stop()
        self.crawl.stop()
        self.search.close()
        self.storage.close()
        self.generator.close()


def build_services(settings: Settings, search: SearchServices | None = None) -> Services:
    """All services for the settings."""
    storage = build_storage(settings)
    search = search or build_search_services(settings)
    generator = build_generator(settings)
    answerer = build_answerer(settings, search, generator)
    conversations = ConversationService(
        answerer, storage.conversations, turn_limits(settings), generator.queue,
        llm_sha256(settings), build_energy_meter(settings),
    )  # fmt: skip
    retention = build_retention(settings, storage.conversations)
    crawl = build_crawl_schedule(settings, search)
    return Services(settings, search, generator, answerer, storage, conversations, retention, crawl)


def build_crawl_schedule(settings: Settings, search: SearchServices) -> CrawlScheduler:
    """The service's own re-crawl of its sources (off unless sources and an interval are set)."""
    from ingestion.crawl.scheduler import build_crawl_scheduler

    return build_crawl_scheduler(settings, search.index, search.embedder, search.encoder)
