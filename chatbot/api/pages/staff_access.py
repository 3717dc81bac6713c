"""Staff sign-in and the signed-in member of staff every console page depends on.

Signing in with an account's token opens a sign-in on the server (`chatbot.store.staff_sessions`):
the browser gets only its random id, in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS),
never the token. The sign-in ends at sign-out, after GUICHET_STAFF_IDLE_MINUTES unused, after
GUICHET_STAFF_SESSION_HOURS, and when the account is revoked. Residents get no cookie.

A page declares the role it needs with `require_page_role`: without a live sign-in the browser is
sent to the sign-in page, with the wrong role it gets « Accès refusé ». Every state-changing form
is checked by Origin (`chatbot.api.csrf`) and, once signed in, by the sign-in's form token.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chatbot.api.csrf import SAFE_METHODS, same_origin, secure_cookie
from chatbot.api.deps import ServicesDep
from chatbot.api.pages.rendering import SendInstead, page_response
from chatbot.settings import Settings
from chatbot.store.staff import ForbiddenError, NotAuthenticatedError, Role, require_role
from chatbot.store.staff_sessions import SessionPolicy, SignedInStaff

router = APIRouter(include_in_schema=False)
COOKIE = "guichet_staff"
FOREIGN_FORM = (
    "Formulaire refusé : il vient d'un autre site, ou la page a expiré. Rechargez la page et "
    "recommencez."
)


def session_policy(settings: Settings) -> SessionPolicy:
    """How long staff sign-ins live, from the settings."""
    return SessionPolicy(
        lifetime=timedelta(hours=settings.staff_session_hours),
        idle=timedelta(minutes=settings.staff_idle_minutes),
    )


def _refused(message: str) -> SendInstead:
    return SendInstead(page_response("message.html", 403, title="Accès refusé", user=None,
                                     message=message))  # fmt: skip


async def read_form(request: Request, services: ServicesDep) -> dict[str, str]:
    """An HTML form's fields, the first value of each, once its Origin is checked (a dependency:
    it reads the body in the event loop, so that the page can be a plain function)."""
    if not same_origin(request, services.settings):
        raise _refused(FOREIGN_FORM)
    if request.method in SAFE_METHODS:
        return {}
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(body).items()}


FormDep = Annotated[dict[str, str], Depends(read_form)]


def require_page_role(*roles: Role) -> Callable[..., SignedInStaff]:
    """A dependency giving the signed-in member of staff with one of the roles (admin always
    may); otherwise the page is replaced by a 303 to the sign-in page or a 403 page. A form
    posted to the page must carry the sign-in's form token."""

    def signed_in(request: Request, services: ServicesDep, form: FormDep) -> SignedInStaff:
        # A plain function: FastAPI runs it in its thread pool (the check reads the database).
        policy = session_policy(services.settings)
        try:
            user = services.storage.sessions.resolve(request.cookies.get(COOKIE), policy)
            require_role(user, *roles)
        except NotAuthenticatedError:
            target = urlencode({"next": request.url.path})
            raise SendInstead(RedirectResponse(f"/login?{target}", status_code=303)) from None
        except ForbiddenError as error:
            raise _refused(str(error)) from None
        if request.method not in SAFE_METHODS and not hmac.compare_digest(
            form.get("csrf_token", ""), user.csrf_token
        ):
            raise _refused(FOREIGN_FORM)
        return user

    return signed_in


AgentDep = Annotated[SignedInStaff, Depends(require_page_role("agent"))]
AuditorDep = Annotated[SignedInStaff, Depends(require_page_role("auditor"))]
StaffPageDep = Annotated[SignedInStaff, Depends(require_page_role("agent", "auditor"))]


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
    """Check the token and open a sign-in (database work: a plain function, in the thread pool)."""
    next_url = _safe_next(form.get("next"))
    token = form.get("token", "").strip()
    try:
        user = services.storage.staff.authenticate(token)
    except NotAuthenticatedError as error:
        return _login_page(next_url, str(error), 401)
    policy = session_policy(services.settings)
    session_id = services.storage.sessions.open(user, policy)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", path="/",
                        secure=secure_cookie(request, services.settings),
                        max_age=int(policy.lifetime.total_seconds()))  # fmt: skip
    return response


@router.get("/logout")
def logout_page(user: StaffPageDep) -> HTMLResponse:
    """The sign-out button alone (signing out is a form, so that no link can force it)."""
    return page_response("logout.html", title="Se déconnecter", user=user)


@router.post("/logout")
def logout(request: Request, user: StaffPageDep, services: ServicesDep) -> Response:
    """End the sign-in on the server and forget the cookie."""
    services.storage.sessions.close(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
