"""What the answering pipeline produces: the answer with its evidence, its citations, and the
verified sentences streamed before it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatbot.answering.citations import CitationCheck
from chatbot.answering.contacts import Contact
from chatbot.answering.prompts import PROMPT_VERSION
from chatbot.domain import Passage
from chatbot.verification.verifier import SentenceVerdict


@dataclass(frozen=True)
class Citation:
    """A source cited by the answer, as shown to the resident."""

    n: int
    source_id: str
    title: str
    url: str
    page: int | None
    excerpt: str
    supported: bool
    date: str = ""  # when the document was last changed (manifest, or the crawled page's date)

    def as_dict(self) -> dict[str, Any]:
        """The citation as the API returns it."""
        return {"n": self.n, "source_id": self.source_id, "title": self.title, "url": self.url,
                "page": self.page, "excerpt": self.excerpt, "supported": self.supported,
                "date": self.date}  # fmt: skip


@dataclass(frozen=True)
class Answer:
    """The outcome of one question: the text and everything needed to audit it."""

    text: str
    language: str
    abstained: bool
    reason: str | None
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    retrieved: tuple[Passage, ...]
    standalone_question: str
    check: CitationCheck | None
    contact: Contact | None
    timings: dict[str, float]
    tokens: int
    prompt_version: str = PROMPT_VERSION
    model: str = ""
    instructions_removed: int = 0
    groundedness: float | None = None  # online score, see CitationCheck.groundedness
    verdicts: tuple[SentenceVerdict, ...] = ()  # every sentence the model wrote, shown or not
    search_question: str = ""  # what retrieval searched for (French, for other languages)

    @property
    def dropped(self) -> tuple[SentenceVerdict, ...]:
        """The sentences that failed verification and were not shown."""
        return tuple(v for v in self.verdicts if not v.passed)


@dataclass(frozen=True)
class Sentence:
    """A sentence of the answer that passed verification, as the resident reads it."""

    text: str
