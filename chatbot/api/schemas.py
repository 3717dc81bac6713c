"""Request bodies of the API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ChatRequest(BaseModel):
    """A resident's message, optionally in an existing conversation."""

    message: str = Field(description="The question, in any language.", max_length=100_000)
    session_id: str | None = Field(
        default=None,
        max_length=100,
        description="The conversation's id from a previous answer; omit to start a new one.",
    )


class FeedbackRequest(BaseModel):
    """A resident's verdict on one answer."""

    answer_id: str = Field(max_length=64, description="The answer's id, as returned with it.")
    helpful: bool = Field(description="Whether the answer helped.")
    comment: str | None = Field(
        default=None,
        max_length=1000,
        description="Optional comment; personal data in it is redacted before storage.",
    )
