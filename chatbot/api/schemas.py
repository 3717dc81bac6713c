"""Request bodies and response models of the API (so that /docs documents every response)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field


def _encodable(value: str) -> str:
    """Refuse text that cannot be stored or shown: a lone UTF-16 surrogate, a NUL character."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("texte illisible : demi-caractère UTF-16 isolé") from None
    if "\x00" in value:
        raise ValueError("texte illisible : caractère nul")
    return value


Text = Annotated[str, AfterValidator(_encodable)]


class ChatRequest(BaseModel):
    """A resident's message, optionally in an existing conversation."""

    message: Text = Field(description="The question, in any language.", max_length=100_000)
    session_id: Text | None = Field(
        default=None,
        max_length=100,
        description="The conversation's id from a previous answer; omit to start a new one.",
    )
    style: Literal["standard", "simple"] = Field(
        default="standard",
        description="'simple': plain language (short sentences, common words, steps numbered), "
        "verified like any answer.",
    )


class FeedbackRequest(BaseModel):
    """A resident's verdict on one answer."""

    answer_id: Text = Field(max_length=64, description="The answer's id, as returned with it.")
    helpful: bool = Field(description="Whether the answer helped.")
    comment: Text | None = Field(
        default=None,
        max_length=1000,
        description="Optional comment; personal data in it is redacted before storage.",
    )


class CitationOut(BaseModel):
    """A source cited by the answer."""

    n: int = Field(description="The marker's number, as in `[n]` in the answer.")
    source_id: str
    title: str
    url: str
    page: int | None
    excerpt: str = Field(description="The source's sentence closest to what the answer says.")
    supported: bool = Field(description="Whether the citation check found the claim in it.")
    date: str = Field(default="", description="When the document was last changed, if known.")


class ContactOut(BaseModel):
    """The human service proposed when the bot declines."""

    service: str
    phone: str = ""
    email: str = ""
    url: str = ""
    hours: str = ""


class PassageOut(BaseModel):
    """A passage of a document (search result, or a source shown to the model)."""

    n: int | None = None
    chunk_id: str
    source_id: str
    title: str
    url: str
    commune: str
    page: int | None
    headings: list[str]
    doc_version: str
    rank: int
    score: float
    dense_score: float | None
    lexical_score: float | None
    text: str


class DroppedSentence(BaseModel):
    """A sentence the model wrote that failed verification and was not shown."""

    sentence: str
    sources: list[int]
    passed: bool
    failed_check: str | None = Field(
        description="no_citation, hard_facts, polarity, support, entailment, safety, no_answer "
        "or error."
    )
    detail: str
    scores: dict[str, float]
    source_sentence: str = Field(
        default="",
        description="For a polarity failure: the source's own sentence, which a French answer "
        "shows in its place.",
    )


class ChatResponse(BaseModel):
    """One answer, with its sources and what the checks found."""

    session_id: str = Field(description="Send it back to continue the conversation.")
    answer_id: str = Field(description="For feedback on this answer.")
    answer: str = Field(description="The answer, with `[n]` markers for its sources.")
    language: str
    abstained: bool = Field(description="True when the bot declined (see `reason`, `contact`).")
    reason: str | None
    citations: list[CitationOut]
    contact: ContactOut | None
    groundedness: float | None
    unsupported_sentences: int
    uncited_sentences: int
    dropped_sentences: list[DroppedSentence] = Field(
        description="What verification stopped, and why (shown to agents and auditors)."
    )
    passages: list[PassageOut]
    standalone_question: str
    search_question: str = Field(
        description="What retrieval searched for: the question in French when asked in another "
        "language."
    )
    model: str
    tokens: int
    timings: dict[str, float]


class FeedbackResponse(BaseModel):
    """The verdict was recorded."""

    answer_id: str
    recorded: bool


class StaffIdentity(BaseModel):
    """The account behind a token."""

    name: str
    role: str
