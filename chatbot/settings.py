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

    reports_dir: Path | None = Field(
        default=None,
        description="Folder of evaluation reports shown to the ethics committee, one `guichet "
        "eval --out` folder each (default: <data_dir>/reports).",
    )

    # Models
    model_profile: ModelProfile = Field(
        default="default",
        description="Model set: 'default' (Qwen2.5-1.5B + EmbeddingGemma-300M) "
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
    llm_backend: Literal["llama_cpp", "openai"] = Field(
        default="llama_cpp",
        description="'llama_cpp': the model runs in this process; 'openai': any "
        "OpenAI-compatible server (llama_cpp.server, vLLM, a sovereign API) at llm_base_url.",
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
