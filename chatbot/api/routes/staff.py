"""Staff API: authenticated by bearer token; every read of conversations is in the access log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from chatbot.api.deps import ServicesDep, StaffDep
from chatbot.api.schemas import StaffIdentity
from chatbot.store.audit_reads import AnswerFilters

router = APIRouter(prefix="/api/staff", tags=["staff"])
MAX_OFFSET = 10_000_000  # beyond a 64-bit integer the database driver itself fails
AnswerId = Annotated[str, Path(max_length=64, description="The answer's id.")]


@router.get("/me", response_model=StaffIdentity)
def whoami(user: StaffDep) -> dict[str, str]:
    """The account behind the token."""
    return {"name": user.name, "role": user.role}


@router.get("/answers")
def list_answers(
    user: StaffDep,
    services: ServicesDep,
    since: datetime | None = None,
    until: datetime | None = None,
    abstained: bool | None = None,
    negative_feedback: bool = False,
    max_groundedness: Annotated[float | None, Query(ge=0, le=1)] = None,
    commune: Annotated[str | None, Query(max_length=100)] = None,
    riskiest_first: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[dict[str, Any]]:
    """Answers, pseudonymous and redacted (auditor or admin; logged)."""
    filters = AnswerFilters(
        since=_naive_utc(since), until=_naive_utc(until), abstained=abstained,
        negative_feedback=negative_feedback, max_groundedness=max_groundedness, commune=commune,
        riskiest_first=riskiest_first, limit=limit, offset=offset,
    )  # fmt: skip
    return services.storage.reads.list_answers(user, filters)


@router.get("/answers/{answer_id}")
def read_answer(answer_id: AnswerId, user: StaffDep, services: ServicesDep) -> dict[str, Any]:
    """One answer's full audit record (auditor or admin; logged)."""
    return services.storage.reads.answer(user, answer_id)


@router.get("/access-log")
def read_access_log(
    user: StaffDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[dict[str, Any]]:
    """Who read what and when, newest first (admin; this read is logged too)."""
    return services.storage.reads.access_log(user, limit, offset)


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
