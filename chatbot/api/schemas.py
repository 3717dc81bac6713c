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
