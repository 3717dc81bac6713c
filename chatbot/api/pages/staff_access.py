"""Staff sign-in and what every console page needs: the signed-in member of staff, forms, pages.

A signed-in browser holds the token in an HttpOnly, SameSite=Strict cookie (staff only: residents
get no cookie)."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chatbot.api.deps import ServicesDep
from chatbot.store.staff import ForbiddenError, NotAuthenticatedError, Role, StaffUser, require_role
from chatbot.web.layout import page
from chatbot.wiring import Services

router = APIRouter(include_in_schema=False)
COOKIE = "guichet_staff"


def html_response(body: str, status: int = 200) -> HTMLResponse:
    """A console page, never cached (it may show conversations)."""
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def signed_in_user(request: Request, services: Services, *roles: Role) -> StaffUser | Response:
    """The signed-in member of staff with one of the roles, or the response to send instead."""
    try:
        user = services.storage.staff.authenticate(request.cookies.get(COOKIE))
        require_role(user, *roles)
    except NotAuthenticatedError:
        target = urlencode({"next": request.url.path})
        return RedirectResponse(f"/login?{target}", status_code=303)
    except ForbiddenError as error:
        return html_response(page("Accès refusé", f"<p>{escape(str(error))}</p>", None), 403)
    return user


async def read_form(request: Request) -> dict[str, str]:
    """An HTML form's fields (the first value of each)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(body).items()}


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/agent"


def commune_names(services: Services) -> list[str]:
    """The communes named by the indexed documents, for the consoles' filters."""
    documents = services.search.index.documents().values()
    return sorted({d.commune for d in documents if d.commune})


def _login_page(next_url: str, message: str = "") -> str:
    error = f'<p role="alert" class="risk">{escape(message)}</p>' if message else ""
    return page(
        "Connexion du personnel",
        f"{error}<p>Collez le jeton que vous a remis un administrateur "
        "(<code>guichet users add</code>).</p>"
        '<form class="panel" method="post" action="/login">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        '<label for="token">Jeton<input id="token" name="token" type="password" required '
        'autocomplete="current-password" size="50"></label>'
        '<button type="submit">Se connecter</button></form>',
    )


@router.get("/login")
def login_form(next: str = "/agent") -> HTMLResponse:
    return html_response(_login_page(_safe_next(next)))


@router.post("/login")
async def login(request: Request, services: ServicesDep) -> Response:
    form = await read_form(request)
    next_url = _safe_next(form.get("next"))
    token = form.get("token", "").strip()
    try:
        services.storage.staff.authenticate(token)
    except NotAuthenticatedError as error:
        return html_response(_login_page(next_url, str(error)), 401)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https", max_age=12 * 3600)  # fmt: skip
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
