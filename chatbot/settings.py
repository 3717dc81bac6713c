"""One Settings class: every field read from GUICHET_* variables or an optional TOML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ModelProfile = Literal["default", "small"]


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "guichet"


def _settings_file() -> Path | None:
    """The optional TOML file: GUICHET_SETTINGS_FILE, else ./guichet.toml if present."""
    import os

    explicit = os.environ.get("GUICHET_SETTINGS_FILE")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"GUICHET_SETTINGS_FILE points to {path}, which does not exist; "
                "create it or unset the variable."
            )
        return path
    local = Path("guichet.toml")
    return local if local.is_file() else None


class Settings(BaseSettings):
    """Guichet's settings. Environment variables win over the file, which wins over defaults."""

    model_config = SettingsConfigDict(env_prefix="GUICHET_", extra="forbid", frozen=True)

    # Storage
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder for the embedded index, the database and caches.",
    )
    models_dir: Path | None = Field(
        default=None,
        description="Folder where `guichet models pull` stores model files "
        "(default: <data_dir>/models).",
    )

    # Conversation store and privacy
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the conversation database, e.g. "
        "postgresql+psycopg://guichet@127.0.0.1/guichet (default: SQLite <data_dir>/guichet.db).",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Secret (hex, 32+ characters) of the keyed hash that turns session ids into "
        "stored keys; default: read from (or created in) session_secret_file.",
    )
    session_secret_file: Path | None = Field(
        default=None,
        description="File holding that secret, outside the database and readable by the service "
        "only (default: <data_dir>/secrets/session.key).",
    )
    conversation_retention_days: int = Field(
        default=183,
        ge=1,
        le=3650,
        description="Days the text of conversations (questions, answers, comments) is kept.",
    )
    audit_retention_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="Days audit records, stripped of free text, are kept (at least the above).",
    )
    purge_interval_hours: float = Field(
        default=24.0,
        ge=0,
        description="How often the service applies the retention periods (0: only `guichet purge`).",
    )
    redact_person_names: bool = Field(
        default=True,
        description="Also redact person names found by spaCy's French model (others are always "
        "redacted: e-mail, phone, NIR, IBAN, card, postal address).",
    )

    # Web
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins of the sites allowed to embed the widget when it is served from "
        'another origin, as JSON: ["https://www.paris-saclay.com"] (CORS; none by default).',
    )

    # Security
    max_body_bytes: int = Field(
        default=65536,
        ge=1024,
        le=10_000_000,
        description="Largest request body accepted, in bytes; a larger one gets HTTP 413 before "
        "it is read further.",
    )
    staff_session_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 30,
        description="Longest life of a staff sign-in on the server, in hours (the cookie's too).",
    )
    staff_idle_minutes: float = Field(
        default=30.0,
        gt=0,
        le=24 * 60,
        description="A staff sign-in unused for this many minutes ends on the server.",
    )
    secure_cookies: bool | None = Field(
        default=None,
        description="Mark the staff cookie Secure (HTTPS only). Unset: when the request came over "
        "HTTPS (its scheme, or X-Forwarded-Proto sent by a trusted proxy).",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of the reverse proxies whose X-Forwarded-Proto is believed, as "
        'JSON: ["127.0.0.1"] (none by default).',
    )
    frame_ancestors: list[str] = Field(
        default_factory=list,
        description="Origins allowed to show the demo page in a frame, as JSON: "
        '["https://www.ville.fr"] (none by default; staff pages never).',
    )
    api_docs: bool = Field(
        default=True,
        description="Serve /docs, a page listing the API built from /openapi.json (no script, "
        "nothing from another site); /openapi.json is always served.",
    )

    reports_dir: Path | None = Field(
        default=None,
        description="Folder of evaluation reports shown to the ethics committee, one `guichet "
        "eval --out` folder each (default: <data_dir>/reports).",
    )

    # Deployment
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Processes serving the API (`guichet serve --workers`); more than one needs a "
        "Qdrant server (qdrant_url), PostgreSQL (database_url) and llm_backend=openai.",
    )

    # Models
    model_profile: ModelProfile = Field(
        default="default",
        description="Model set: 'default' (Qwen2.5-Coder-1.5B-Instruct + EmbeddingGemma-300M) "
        "or 'small' (SmolLM2-135M + all-MiniLM-L6-v2, for fast tests).",
    )
    llm_path: Path | None = Field(
        default=None, description="GGUF file of the LLM; overrides the profile's model."
    )
    embedder_path: Path | None = Field(
        default=None,
        description="sentence-transformers folder of the embedder; overrides the profile's model.",
    )
    embedding_device: str = Field(
        default="cpu", description="Torch device for embeddings: 'cpu', 'cuda' or 'cuda:N'."
    )
    embedding_batch_size: int = Field(
        default=16, ge=1, le=512, description="Texts embedded per batch during ingestion."
    )

    # Performance and energy
    embedding_precision: Literal["auto", "float32", "bfloat16", "int8"] = Field(
        default="auto",
        description="Number format of the embedder: 'auto' picks bfloat16 where the CPU has AMX "
        "or AVX-512 BF16 (read from /proc/cpuinfo), else int8 (ONNX Runtime) on a CPU with VNNI "
        "where `guichet models pull` exported it (the int8 extra), else float32.",
    )
    prompt_lookup: bool = Field(
        default=False,
        description="Prompt-lookup speculative decoding in the in-process model (drafts tokens "
        "copied from the sources); off by default: on 2 AVX2 cores it made answers slower "
        "(llama-cpp-python computes every position's logits to check drafts; `make bench`).",
    )
    prompt_lookup_tokens: int = Field(
        default=10, ge=1, le=64, description="Tokens drafted per prompt-lookup step."
    )
    energy_core_watts: float = Field(
        default=12.0,
        gt=0,
        description="Power draw of one CPU core at full use, in W (Green Algorithms default for "
        "a typical Xeon core: TDP / cores, Lannelongue et al. 2021).",
    )
    energy_core_usage: float = Field(
        default=1.0, gt=0, le=1, description="Share of the cores used while answering (0-1]."
    )
    energy_memory_watts_per_gb: float = Field(
        default=0.3725,
        gt=0,
        description="Power draw of memory, in W per GB (Green Algorithms, Lannelongue 2021).",
    )
    energy_pue: float = Field(
        default=1.67,
        ge=1,
        description="Power usage effectiveness of the data centre (Green Algorithms default: "
        "Uptime Institute 2019 global average 1.67); set the host's own.",
    )
    energy_carbon_intensity: float = Field(
        default=52.0,
        ge=0,
        description="Carbon intensity of the electricity, in gCO2e/kWh (default: France's "
        "average consumption mix, ~0.052 kgCO2e/kWh, ADEME Base Empreinte); set the host's grid.",
    )

    # Index
    qdrant_url: str | None = Field(
        default=None,
        description="Qdrant server URL (http://host:6333), or ':memory:' for a throw-away "
        "index; unset means the embedded index in <data_dir>/qdrant.",
    )
    qdrant_api_key: SecretStr | None = Field(
        default=None, description="API key for a Qdrant server, if it requires one."
    )
    qdrant_timeout_s: float = Field(
        default=10.0, gt=0, description="Timeout of one call to a Qdrant server, in seconds."
    )
    collection: str = Field(
        default="guichet",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Base name of the Qdrant collection; the embedder's name is appended.",
    )

    # Ingestion
    chunk_size: int = Field(
        default=1000,
        ge=200,
        le=8000,
        description="Largest chunk, in characters; chunks follow headings, paragraphs and pages.",
    )
    chunk_overlap: int = Field(
        default=150,
        ge=0,
        le=2000,
        description="Characters repeated between consecutive chunks of one long section.",
    )
    max_file_mb: float = Field(
        default=50.0, gt=0, description="Files larger than this are refused at ingestion."
    )

    # Crawling
    crawl_sources: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Sites crawled by `guichet crawl` without URLs and by the service's schedule: "
        "[[crawl_sources]] tables in the TOML file (urls, sitemaps, allow, deny, max_pages, "
        "max_depth, communes = {pattern = commune}, commune, licence, manifest).",
    )
    crawl_sources_file: Path | None = Field(
        default=None,
        description="A TOML file of [[source]] tables (same keys as crawl_sources), also crawled.",
    )
    crawl_interval_hours: float = Field(
        default=0.0,
        ge=0,
        description="How often the service re-crawls its sources (0: never; use cron or systemd "
        "with `guichet crawl`).",
    )
    crawl_user_agent: str = Field(
        default="GuichetBot/0.1 (citizen chatbot of a local authority; set your contact here)",
        pattern=r"^[\x20-\x7e]{3,300}$",
        description="User-Agent sent by the crawler (ASCII; name the authority and a contact); its "
        "first word is matched against robots.txt.",
    )
    crawl_rate_per_host: float = Field(
        default=1.0,
        gt=0,
        description="Requests per second to one host at most (a longer robots.txt Crawl-delay wins).",
    )
    crawl_max_delay_s: float = Field(
        default=30.0, ge=0, description="Longest robots.txt Crawl-delay honoured, in seconds."
    )
    crawl_timeout_s: float = Field(
        default=20.0, gt=0, description="Connect and read time-out of one request, in seconds."
    )
    crawl_fetch_total_s: float = Field(
        default=120.0, gt=0, description="A response still arriving after this is abandoned."
    )
    crawl_max_mb: float = Field(
        default=50.0, gt=0, description="Largest response, counted while it streams (decompressed)."
    )
    crawl_max_unpacked_mb: float = Field(
        default=500.0,
        gt=0,
        description="Largest unpacked content of a fetched PDF, DOCX or ODT (decompression bombs).",
    )
    crawl_max_redirects: int = Field(
        default=5, ge=0, le=20, description="Redirects followed for one URL."
    )
    crawl_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed request (network, 429, 5xx)."
    )
    crawl_backoff_s: float = Field(
        default=1.0, ge=0, description="First wait before a retry; it doubles at each retry."
    )
    crawl_max_pages: int = Field(
        default=5000, ge=1, description="URLs fetched per source and crawl at most."
    )
    crawl_max_depth: int = Field(
        default=10, ge=0, description="Links followed from a start page at most."
    )
    crawl_max_sitemap_urls: int = Field(
        default=50000, ge=1, description="URLs taken from one source's sitemaps at most."
    )
    ocr_enabled: bool = Field(
        default=True,
        description="Read scanned PDF pages with Tesseract (Debian tesseract-ocr-fra).",
    )
    ocr_languages: str = Field(
        default="fra",
        pattern=r"^[a-z_]+(\+[a-z_]+)*$",
        description="Tesseract models, e.g. fra+eng.",
    )
    ocr_max_pages: int = Field(
        default=50, ge=0, description="Scanned pages read by OCR per document at most."
    )

    @field_validator("crawl_sources_file", mode="after")
    @classmethod
    def _expand_crawl_file(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    # Retrieval
    retrieval_k: int = Field(
        default=5, ge=1, le=50, description="Number of passages returned by a search."
    )
    retrieval_candidates: int = Field(
        default=40,
        ge=1,
        le=500,
        description="Candidates taken from each of the dense and lexical searches before fusion.",
    )
    rrf_k: int = Field(
        default=60, ge=1, description="Constant of reciprocal-rank fusion (higher flattens ranks)."
    )

    # Generation
    llm_backend: Literal["llama_cpp", "openai", "extractive"] = Field(
        default="llama_cpp",
        description="'llama_cpp': the model runs in this process; 'openai': any "
        "OpenAI-compatible server (llama_cpp.server, vLLM, a sovereign API) at llm_base_url; "
        "'extractive': no model, answers quote the source sentences closest to the question.",
    )
    llm_base_url: str = Field(
        default="http://127.0.0.1:8080/v1",
        description="Base URL of the OpenAI-compatible server (with /v1) when llm_backend=openai.",
    )
    llm_api_key: SecretStr | None = Field(
        default=None, description="API key for the OpenAI-compatible server, if it needs one."
    )
    llm_model: str = Field(
        default="guichet",
        description="Model name sent to the OpenAI-compatible server.",
    )
    llm_context: int = Field(
        default=4096, ge=512, le=131072, description="Context window of the in-process model."
    )
    llm_threads: int | None = Field(
        default=None, ge=1, description="CPU threads for the in-process model (default: all cores)."
    )
    llm_gpu_layers: int = Field(
        default=0, ge=-1, description="Layers offloaded to the GPU (-1: all; needs a CUDA build)."
    )
    max_answer_tokens: int = Field(
        default=320, ge=16, le=4096, description="Longest answer, in tokens."
    )
    temperature: float = Field(
        default=0.1, ge=0.0, le=2.0, description="Sampling temperature (low = faithful)."
    )
    generation_timeout_s: float = Field(
        default=120.0, gt=0, description="An answer still generating after this is cut short."
    )
    queue_size: int = Field(
        default=8,
        ge=0,
        le=1000,
        description="Requests allowed to wait for the model; more get HTTP 503 with Retry-After.",
    )
    queue_timeout_s: float = Field(
        default=60.0, gt=0, description="Longest wait for the model before giving up (HTTP 503)."
    )

    # Answering
    relevance_threshold: float = Field(
        default=0.35,
        ge=-1.0,
        le=1.0,
        description="Least dense similarity for a passage to count as relevant; below it for "
        "every passage, the bot abstains (calibrated for both embedders by "
        "`python -m benchmarks.relevance_gate`).",
    )
    answer_candidates: int = Field(
        default=8,
        ge=1,
        le=50,
        description="Passages retrieved for one answer before the relevance gate keeps the "
        "context (the evaluation's --k cannot exceed it).",
    )
    context_passages: int = Field(
        default=4, ge=1, le=20, description="Passages shown to the model for one answer."
    )
    context_chars: int = Field(
        default=1000,
        ge=200,
        le=20000,
        description="Characters of sources shown to the model; passages are cut to the sentences "
        "closest to the question. Larger is more complete, smaller answers sooner on a CPU.",
    )
    support_threshold: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description="Least support score for a cited sentence to count as backed by its source.",
    )
    meaning_support_threshold: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description="Least meaning similarity for a sentence written in another language than its "
        "French sources (no word overlap to count), both embedded as queries.",
    )
    translation_support_threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="Least meaning similarity between a translated answer sentence and the "
        "verified French sentence it translates (both embedded as queries; measured: faithful "
        "translations median 0.85, another sentence at most 0.32).",
    )
    answer_via_french: bool = Field(
        default=True,
        description="For a question in another language: write and verify the answer in French, "
        "the sources' language, where every check is strongest, then translate its verified "
        "sentences and check them again (meaning, hard facts, polarity, language). Off: the "
        "model writes in the resident's language and translation is only the fallback.",
    )
    # Verification: nothing unverified reaches a resident (see chatbot/answering/gate.py)
    allowed_link_domains: tuple[str, ...] = Field(
        default=("paris-saclay.com", "*.gouv.fr", "service-public.fr"),
        description="Domains whose links answers may relay to residents, as JSON "
        '(["ville.fr", "*.gouv.fr"]); any other link is removed from the answer.',
    )
    max_answer_sentences: int = Field(
        default=4,
        ge=1,
        le=20,
        description="Generation stops once this many verified sentences are shown (the rules "
        "ask for 1 to 4 short sentences).",
    )
    citation_grammar: bool = Field(
        default=False,
        description="Generate under a grammar in which every sentence ends with [n] markers "
        "(llama.cpp in process, or a llama.cpp server).",
    )
    verify_hard_facts: bool = Field(
        default=True,
        description="Every number, date, amount, phone, e-mail, URL and postal code of a "
        "sentence must be in the source it cites.",
    )
    verify_polarity: bool = Field(
        default=True,
        description="A negation, restriction or condition in the sentence or its source but not "
        "both fails the sentence.",
    )
    verify_entailment: bool = Field(
        default=False,
        description="Also ask the local model whether the source says what the sentence says "
        "(sentences are then shown at the end of generation, not one by one).",
    )
    entailment_threshold: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Least P(yes) of the entailment check."
    )
    judge_max_tokens: int = Field(
        default=1024,
        ge=64,
        le=8192,
        description="Longest reply of the evaluation judge (ragas) per call; a longer one fails "
        "to parse and is counted as a failure.",
    )
    judge_relevancy_questions: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Questions the judge writes back from each answer for ragas' answer "
        "relevancy (each is one judge call; ragas' default is 3).",
    )
    max_message_chars: int = Field(
        default=1500, ge=10, le=20000, description="Longest accepted question, in characters."
    )
    max_history_turns: int = Field(
        default=20,
        ge=1,
        le=500,
        description="Exchanges allowed in one conversation before a new one must be started.",
    )
    contacts_file: Path | None = Field(
        default=None,
        description="YAML table of human contacts given when the bot declines "
        "(default: the table shipped in the package, chatbot/answering/contacts.yaml).",
    )
    authority_name: str = Field(
        default="la Communauté d'agglomération Paris-Saclay",
        description="How the assistant names the authority it serves.",
    )

    @field_validator(
        "data_dir",
        "models_dir",
        "llm_path",
        "embedder_path",
        "contacts_file",
        "session_secret_file",
        "reports_dir",
        mode="after",
    )
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("session_secret", mode="after")
    @classmethod
    def _hex_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value()
            try:
                ok = len(bytes.fromhex(raw)) >= 16
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(
                    "must be at least 32 hexadecimal characters (openssl rand -hex 32)"
                )
        return value

    @model_validator(mode="after")
    def _check_overlap(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size // 2:
            raise ValueError("chunk_overlap must be less than half of chunk_size")
        if self.audit_retention_days < self.conversation_retention_days:
            raise ValueError(
                "audit_retention_days must be at least conversation_retention_days "
                "(audit records outlive the conversations' text, never the reverse)"
            )
        return self

    @property
    def resolved_models_dir(self) -> Path:
        """Where model files live."""
        return self.models_dir or self.data_dir / "models"

    @property
    def resolved_database_url(self) -> str:
        """The conversation database's URL."""
        return self.database_url or f"sqlite:///{self.data_dir / 'guichet.db'}"

    @property
    def resolved_reports_dir(self) -> Path:
        """Where the audit console looks for evaluation reports."""
        return self.reports_dir or self.data_dir / "reports"

    @property
    def resolved_secret_file(self) -> Path:
        """Where the pseudonymisation secret is kept."""
        return self.session_secret_file or self.data_dir / "secrets" / "session.key"

    @property
    def qdrant_path(self) -> Path:
        """Folder of the embedded Qdrant index."""
        return self.data_dir / "qdrant"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_file = _settings_file()
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    def describe(self) -> list[dict[str, Any]]:
        """Every field with its effective value and description (secrets masked)."""
        rows = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********"
            elif isinstance(value, Path):
                value = str(value)
            rows.append(
                {
                    "name": name,
                    "env": f"GUICHET_{name.upper()}",
                    "value": value,
                    "description": field.description or "",
                }
            )
        return rows
