"""What route handlers receive: the services built at start-up and the authenticated staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from chatbot.store.staff import StaffUser
from chatbot.wiring import Services


def get_services(request: Request) -> Services:
    """The services built at start-up."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_staff(request: Request, services: ServicesDep) -> StaffUser:
    """The member of staff authenticated by bearer token (401 otherwise)."""
    return services.storage.staff.authenticate(bearer_token(request))


StaffDep = Annotated[StaffUser, Depends(current_staff)]
