"""The reception agents' console (/agent, role agent): ask on behalf of a resident and see the
answer with its evidence, or search the corpus directly."""

from __future__ import annotations

from html import escape
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatbot.api.deps import ServicesDep
from chatbot.api.pages.staff_access import commune_names, html_response, read_form, signed_in_user
from chatbot.domain import GuichetError, SearchFilters
from chatbot.store.staff import StaffUser
from chatbot.web.layout import options, page, score, table
from chatbot.wiring import Services

router = APIRouter(include_in_schema=False)


def _agent_page(
    services: Services, user: StaffUser, commune: str, q: str, result: str, question: str = ""
) -> str:
    """The console; the question asked stays in its box, so the agent can refine it."""
    choices = options(commune_names(services), commune, "Toutes les communes")
    return page(
        "Console d'accueil",
        '<form class="panel" method="post" action="/agent/ask">'
        '<label for="question">Question de l\'habitant'
        '<textarea id="question" name="question" required maxlength="1500">'
        f"{escape(question)}</textarea></label>"
        f'<label for="ask-commune">Commune<select id="ask-commune" name="commune">{choices}</select></label>'
        '<button type="submit">Obtenir la réponse</button></form>'
        '<h2 id="recherche">Chercher dans les documents</h2>'
        '<form class="panel" method="get" action="/agent" role="search" aria-labelledby="recherche">'
        f'<label for="q">Mots-clés<input id="q" name="q" value="{escape(q)}" size="40"></label>'
        f'<label for="search-commune">Commune<select id="search-commune" name="commune">{choices}</select></label>'
        '<button type="submit" class="secondary">Chercher</button></form>'
        f"{result}",
        user,
    )


def _passages_table(passages: list[dict[str, Any]], caption: str) -> str:
    rows = []
    for p in passages:
        link = (
            f'<a href="{escape(p["url"] or "/sources/" + p["source_id"])}">{escape(p["title"])}</a>'
        )
        rows.append([
            str(p.get("n", p.get("rank", ""))), link, escape(p.get("commune") or "–"),
            score(p.get("dense_score"), 0.0), f'{p.get("lexical_score") or 0:.2f}',
            f'{p["score"]:.4f}', escape(p["text"][:400]) + ("…" if len(p["text"]) > 400 else ""),
        ])  # fmt: skip
    headers = ["n", "Document", "Commune", "Similarité", "Lexical", "Score fusionné", "Passage"]
    return table(caption, headers, rows)


@router.get("/agent")
def agent_console(
    request: Request, services: ServicesDep, q: str = "", commune: str = ""
) -> Response:
    user = signed_in_user(request, services, "agent")
    if isinstance(user, Response):
        return user
    result = ""
    if q.strip():
        filters = SearchFilters(communes=(commune,) if commune else ())
        found = services.search.retriever.search(q[:1000], 10, filters)
        passages = [p.as_json(n) for n, p in enumerate(found, start=1)]
        result = (
            _passages_table(passages, f"Passages pour « {q} »")
            if passages
            else '<p role="status">Aucun passage trouvé.</p>'
        )
    return html_response(_agent_page(services, user, commune, q, result))


@router.post("/agent/ask")
async def agent_ask(request: Request, services: ServicesDep) -> Response:
    user = signed_in_user(request, services, "agent")
    if isinstance(user, Response):
        return user
    form = await read_form(request)
    commune, question = form.get("commune", ""), form.get("question", "")
    try:
        turn = services.conversations.open(question)
    except GuichetError as error:
        message = f'<p role="alert" class="risk">{escape(str(error))}</p>'
        return html_response(_agent_page(services, user, commune, "", message, question), 422)
    filters = SearchFilters(communes=(commune,) if commune else ())
    answered = await anyio.to_thread.run_sync(lambda: services.conversations.answer(turn, filters))
    view = _answer_view(answered.answer)
    return html_response(_agent_page(services, user, commune, "", view, question))


def _answer_view(answer: Any) -> str:
    status = (
        f'<p class="risk">Refus : {escape(answer.reason or "")}</p>'
        if answer.abstained
        else f"<p>Score d'ancrage : {score(answer.groundedness)}</p>"
    )
    contact = ""
    if answer.contact:
        c = answer.contact
        contact = (
            f"<p>Contact proposé : {escape(c.service)} · {escape(c.phone)} · {escape(c.email)}</p>"
        )
    citations = "".join(
        f'<li value="{c.n}">{escape(c.title)} — {"appuyée" if c.supported else "non appuyée"}'
        f" par la source</li>"
        for c in answer.citations
    )
    passages = [p.as_json(n) for n, p in enumerate(answer.passages, start=1)]
    return (
        '<h2 id="resultat">Réponse</h2>'
        f'<div class="answer" id="reponse" role="region" aria-labelledby="resultat">{escape(answer.text)}</div>'
        '<p><button type="button" class="secondary" id="copier">Copier la réponse</button> '
        '<span role="status" id="copie"></span></p>'
        "<script>document.getElementById('copier').addEventListener('click', async () => {"
        "const text = document.getElementById('reponse').innerText;"
        "try { await navigator.clipboard.writeText(text); } catch (error) {"  # plain HTTP: no API
        "const area = document.createElement('textarea'); area.value = text;"
        "document.body.append(area); area.select(); document.execCommand('copy'); area.remove(); }"
        "document.getElementById('copie').textContent = 'Réponse copiée.'; });</script>"
        f"{status}{contact}"
        + (f"<h2>Sources citées</h2><ol>{citations}</ol>" if citations else "")
        + (_passages_table(passages, "Passages montrés au modèle") if passages else "")
    )
