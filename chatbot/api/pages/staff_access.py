"""Staff sign-in and the signed-in member of staff every console page depends on.

A signed-in browser holds the token in an HttpOnly, SameSite=Strict cookie (staff only: residents
get no cookie). A page declares the role it needs with `require_page_role`: without a valid
cookie the browser is sent to the sign-in page, with the wrong role it gets « Accès refusé »."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chatbot.api.deps import ServicesDep
from chatbot.api.pages.rendering import SendInstead, page_response
from chatbot.store.staff import ForbiddenError, NotAuthenticatedError, Role, StaffUser, require_role

router = APIRouter(include_in_schema=False)
COOKIE = "guichet_staff"


def require_page_role(*roles: Role) -> Callable[..., StaffUser]:
    """A dependency giving the signed-in member of staff with one of the roles (admin always
    may); otherwise the page is replaced by a 303 to the sign-in page or a 403 page."""

    def signed_in(request: Request, services: ServicesDep) -> StaffUser:
        # A plain function: FastAPI runs it in its thread pool (the check reads the database).
        try:
            user = services.storage.staff.authenticate(request.cookies.get(COOKIE))
            require_role(user, *roles)
        except NotAuthenticatedError:
            target = urlencode({"next": request.url.path})
            raise SendInstead(RedirectResponse(f"/login?{target}", status_code=303)) from None
        except ForbiddenError as error:
            refused = page_response("message.html", 403, title="Accès refusé", user=None,
                                    message=str(error))  # fmt: skip
            raise SendInstead(refused) from None
        return user

    return signed_in


AgentDep = Annotated[StaffUser, Depends(require_page_role("agent"))]
AuditorDep = Annotated[StaffUser, Depends(require_page_role("auditor"))]


async def read_form(request: Request) -> dict[str, str]:
    """An HTML form's fields, the first value of each (a dependency: it reads the body in the
    event loop, so that the page itself can be a plain function run in the thread pool)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(body).items()}


FormDep = Annotated[dict[str, str], Depends(read_form)]


def _safe_next(target: str | None) -> str:
    """A path on this site to go back to ("//host" and "/\\host" would leave it)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/agent"


def _login_page(next_url: str, message: str = "", status: int = 200) -> HTMLResponse:
    return page_response("login.html", status, title="Connexion du personnel", user=None,
                         next_url=next_url, error=message)  # fmt: skip


@router.get("/login")
def login_form(next: str = "/agent") -> HTMLResponse:
    return _login_page(_safe_next(next))


@router.post("/login")
def login(request: Request, services: ServicesDep, form: FormDep) -> Response:
    """Check the token (a database read: a plain function, run in the thread pool)."""
    next_url = _safe_next(form.get("next"))
    token = form.get("token", "").strip()
    try:
        services.storage.staff.authenticate(token)
    except NotAuthenticatedError as error:
        return _login_page(next_url, str(error), 401)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https", max_age=12 * 3600)  # fmt: skip
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
