"""The staff pages from their templates: escaping, no inline script or style, sign-in redirects
and refusals through `require_page_role`, the static files, the cached commune list."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from chatbot.answering.pipeline import Answer, Citation
from chatbot.answering.turns import MessageRejectedError
from chatbot.api.pages.agent import answer_view
from chatbot.api.pages.agent import router as agent_router
from chatbot.api.pages.audit import router as audit_router
from chatbot.api.pages.audit import trend_chart
from chatbot.api.pages.communes import CommuneList
from chatbot.api.pages.rendering import install_pages
from chatbot.api.pages.staff_access import COOKIE
from chatbot.api.pages.staff_access import router as sign_in_router
from chatbot.domain import Chunk, IndexedDocument, Passage, SourceInfo
from chatbot.store.staff import NotAuthenticatedError, StaffUser
from chatbot.store.staff_sessions import SignedInStaff, csrf_token_for
from chatbot.web.templating import passage_href, render, safe_href
from eval.report import write_report
from tests.fakes import FixedRetriever, passage
from tests.unit.test_eval_report import RECORDS, SUMMARY

HOSTILE_TITLE = "<script>alert(1)</script>"
AGENT = StaffUser("agent-1", "agent")
AUDITOR = StaffUser("auditor-1", "auditor")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
STYLE = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)
EXTERNAL = re.compile(r'\ssrc="(?!/static/|plots/)|<link [^>]*href="(?!/static/|report\.css")')


def hostile_passage(**extra: Any) -> dict[str, Any]:
    return {"n": 1, "source_id": "doc 1/x", "title": HOSTILE_TITLE, "url": "javascript:alert(1)",
            "commune": "<b>Orsay</b>", "dense_score": 0.5, "lexical_score": 1.0, "score": 0.03,
            "text": 'Le passage "<img src=x onerror=alert(1)>"', **extra}  # fmt: skip


def an_answer(title: str = HOSTILE_TITLE) -> Answer:
    shown = passage("doc", "Texte <script>alert(2)</script>")
    citation = Citation(1, "doc", title, "javascript:alert(1)", None, "extrait", True)
    return Answer(text="Réponse <b>[1]</b>", language="fr", abstained=False, reason=None,
                  citations=(citation,), passages=(shown,), retrieved=(shown,),
                  standalone_question="q", check=None, contact=None, timings={}, tokens=3,
                  groundedness=0.4)  # fmt: skip


def agent_page(**context: Any) -> str:
    values: dict[str, Any] = {"title": "Console d'accueil", "user": AGENT, "communes": ["Orsay"],
                              "commune": "", "q": "", "question": "", "found": None,
                              "answer": None, "error": ""}  # fmt: skip
    return render("agent.html", **{**values, **context})


def assert_no_inline_code(page: str) -> None:
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.findall(page)
    assert not STYLE.search(page), STYLE.findall(page)
    assert not EXTERNAL.search(page)  # nothing loaded from elsewhere


def test_a_hostile_passage_is_escaped_and_its_javascript_url_is_no_link() -> None:
    page = agent_page(q=HOSTILE_TITLE, found=[hostile_passage()], answer=answer_view(an_answer()))
    assert "<script>alert" not in page and "javascript:" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;b&gt;Orsay&lt;/b&gt;" in page
    assert '<a href="/sources/doc%201%2Fx">&lt;script&gt;' in page  # the readable copy instead
    assert "Réponse &lt;b&gt;[1]&lt;/b&gt;" in page
    assert "Passages pour « &lt;script&gt;alert(1)&lt;/script&gt; »" in page


def test_each_source_shows_its_date_and_an_ocr_marker_for_a_scanned_page() -> None:
    source = SourceInfo("arrete", "Arrêté <b>", date="2024-05-01T09:30:00+00:00")
    scanned = Passage(Chunk("id-arrete", source, 0, "Stationnement interdit", page=1, ocr=True),
                      0.03, 0.8, 1.0)  # fmt: skip
    typed = passage("doc", "Texte sans date")
    citations = (Citation(1, "arrete", "Arrêté", "", 1, "extrait", True, source.date),
                 Citation(2, "doc", "Titre doc", "", None, "extrait", True, "juin 2024"))  # fmt: skip
    answer = Answer(text="Réponse [1][2]", language="fr", abstained=False, reason=None,
                    citations=citations, passages=(scanned, typed), retrieved=(scanned, typed),
                    standalone_question="q", check=None, contact=None, timings={}, tokens=3)  # fmt: skip
    found = [p.as_json(n) for n, p in enumerate((scanned, typed), start=1)]
    page = agent_page(q="stationnement", found=found, answer=answer_view(answer))
    updated = (
        '<span class="note">mis à jour le <time datetime="2024-05-01">01/05/2024</time></span>'
    )
    marker = '<abbr class="ocr" title="texte lu par reconnaissance optique'
    rows = re.findall(r"<tr><td>(\d)</td>(.*?)</tr>", page, re.DOTALL)
    items = re.findall(r'<li value="(\d)">(.*?)</li>', page, re.DOTALL)
    assert len(rows) == 4 and len(items) == 2  # the search's and the answer's passages, citations
    for n, shown in rows + items:
        assert (updated in shown, marker in shown) == ((True, True) if n == "1" else (False, False))
    assert "Arrêté &lt;b&gt;</a><br>" in page  # the title stays escaped


@pytest.mark.parametrize(
    ("url", "shown"),
    [("https://ex.fr/a?b=1", "https://ex.fr/a?b=1"), ("/sources/x", "/sources/x"),
     ("javascript:alert(1)", None), (" JavaScript:alert(1)", None), ("java\tscript:x", None),
     ("data:text/html,x", None), ("//evil.example", None), ("/\\evil.example", None),
     ("vbscript:x", None), ("", None), (None, None)],
)  # fmt: skip
def test_only_web_addresses_and_site_paths_become_links(url: str | None, shown: str | None) -> None:
    assert safe_href(url) == shown
    assert passage_href({"url": url, "source_id": "a b"}) == (shown or "/sources/a%20b")


def test_no_staff_page_or_report_has_an_inline_script_or_style(tmp_path: Path) -> None:
    record = {"answer_id": "a1", "at": "2026-11-21", "question": HOSTILE_TITLE, "abstained": True,
              "reason": "out_of_scope", "groundedness": 0.2, "helpful": False, "communes": ["Orsay"],
              "created_at": "2026-11-21", "session": None, "language": "fr",
              "prompt_version": "v1", "model": "m", "model_sha256": None, "tokens": 3,
              "comment": None, "redactions": {}, "standalone_question": "q", "answer": "r",
              "passages": [hostile_passage(shown=True, doc_version="abc")],
              "citation_check": {"sentences": [{"sources": [1], "support": 0.5, "supported": True}]},
              "generation": {"temperature": 0}, "timings": {"total": 1.0}}  # fmt: skip
    reports = [(f"r{n}", {"date": f"2026-1{n}-01", "metrics": {"faithfulness": 0.5 + n / 10}})
               for n in range(2)]  # fmt: skip
    base = {"user": AUDITOR}
    pages = [
        render("login.html", title="Connexion du personnel", user=None, next_url="/agent",
               error="Jeton inconnu"),
        render("message.html", title="Accès refusé", user=None, message=HOSTILE_TITLE),
        agent_page(found=[hostile_passage()]),
        agent_page(found=[], error="Le message est vide"),
        agent_page(answer=answer_view(an_answer())),
        render("audit_list.html", title="Audit", params={"riskiest": "1"}, rows=[record],
               query="a=1&b=2", communes=["Orsay"], energy={"answers": 3, "without_figure": 1,
               "total_wh": 0.2, "total_gco2e": 0.01, "median_wh": 0.1, "median_gco2e": 0.005},
               **base),
        render("audit_answer.html", title="Fiche", record=record, facts=[("Langue", "fr")],
               sentences=record["citation_check"]["sentences"], settings_json="{}", **base),
        render("audit_reports.html", title="Évaluations", folder="/x", trend=trend_chart(reports),
               reports=[], metrics=["faithfulness"], **base),
        write_report(tmp_path, RECORDS, SUMMARY).read_text(encoding="utf-8"),
    ]  # fmt: skip
    for page in pages:
        assert_no_inline_code(page)
        assert '<html lang="fr">' in page
    assert '<script src="/static/agent.js" defer></script>' in pages[4]
    assert '<link rel="stylesheet" href="report.css">' in pages[-1]
    assert (tmp_path / "report.css").stat().st_size > 100


class FakeStaff:
    def authenticate(self, token: str | None) -> StaffUser:
        users = {"agent-token": AGENT, "auditor-token": AUDITOR}
        if token not in users:
            raise NotAuthenticatedError("Jeton inconnu ou révoqué.")
        return users[token]


class FakeSessions:
    """Sign-ins by id: "sid-<account>" once opened (the token never becomes the cookie)."""

    def __init__(self) -> None:
        self.live = {"sid-agent-1": AGENT, "sid-auditor-1": AUDITOR}

    def open(self, user: StaffUser, policy: Any) -> str:
        self.live[f"sid-{user.name}"] = user
        return f"sid-{user.name}"

    def resolve(self, session_id: str | None, policy: Any) -> SignedInStaff:
        user = self.live.get(session_id or "")
        if user is None or session_id is None:
            raise NotAuthenticatedError("Session terminée ou expirée.")
        return SignedInStaff(user.name, user.role, csrf_token_for(session_id))

    def close(self, session_id: str | None) -> None:
        self.live.pop(session_id or "", None)


FORM = {"content-type": "application/x-www-form-urlencoded"}
AGENT_CSRF = csrf_token_for("sid-agent-1")


class FakeIndex:
    def __init__(self) -> None:
        self.reads = 0

    def documents(self) -> dict[str, IndexedDocument]:
        self.reads += 1
        return {"a": IndexedDocument("a", "v", "a.md", 1, commune="Orsay"),
                "b": IndexedDocument("b", "v", "b.md", 1, commune="Bures-sur-Yvette"),
                "c": IndexedDocument("c", "v", "c.md", 1)}  # fmt: skip


class FakeConversations:
    def open(self, question: str) -> str:
        if not question.strip():
            raise MessageRejectedError("Le message est vide : écrivez votre question.")
        return question

    def answer(self, turn: str, filters: Any) -> Any:
        return SimpleNamespace(answer=an_answer(title="Déchets"))


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    for n, faithfulness in enumerate((0.71, 0.82)):
        (tmp_path / f"2026-1{n}-01").mkdir()
        summary = {"date": f"2026-1{n}-01", "metrics": {"faithfulness": faithfulness}}
        (tmp_path / f"2026-1{n}-01" / "summary.json").write_text(json.dumps(summary))
    index = FakeIndex()
    reads = SimpleNamespace(view=lambda *args: None)
    services = SimpleNamespace(
        storage=SimpleNamespace(staff=FakeStaff(), sessions=FakeSessions(), reads=reads),
        search=SimpleNamespace(index=index, retriever=FixedRetriever([passage("doc", "Texte")])),
        conversations=FakeConversations(),
        settings=SimpleNamespace(
            resolved_reports_dir=tmp_path,
            staff_session_hours=12.0,
            staff_idle_minutes=30.0,
            secure_cookies=None,
            trusted_proxies=[],
        ),
    )
    app = FastAPI()
    for router in (sign_in_router, agent_router, audit_router):
        app.include_router(router)
    install_pages(app)
    app.state.services = services
    return TestClient(app, follow_redirects=False)


def test_pages_send_strangers_to_sign_in_and_refuse_the_wrong_role(client: TestClient) -> None:
    for path in ("/agent", "/audit", "/audit/reports", "/audit/export.csv"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=" + path.replace("/", "%2F")
    assert client.post("/agent/ask", content="question=x").status_code == 303
    client.cookies.set(COOKIE, "agent-token")  # a token is no sign-in
    assert client.get("/agent").status_code == 303
    client.cookies.set(COOKIE, "sid-agent-1")
    refused = client.get("/audit/reports")
    assert refused.status_code == 403 and "<h1>Accès refusé</h1>" in refused.text
    assert (
        "rôle requis : auditor" in refused.text and refused.headers["cache-control"] == "no-store"
    )


def test_sign_in_sets_the_cookie_and_refuses_unknown_tokens(client: TestClient) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    bad = client.post("/login", content="token=nope&next=%2Faudit", headers=form)
    assert bad.status_code == 401 and '<p role="alert" class="risk">Jeton inconnu' in bad.text
    assert 'name="next" value="/audit"' in bad.text
    good = client.post("/login", content="token=agent-token&next=%2Fagent", headers=form)
    assert good.status_code == 303 and good.headers["location"] == "/agent"
    cookie = good.headers["set-cookie"]
    assert f"{COOKIE}=sid-agent-1" in cookie and "agent-token" not in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    for target in ("//evil.example", "/\\evil.example", "https://evil.example"):
        response = client.post("/login", content=f"token=agent-token&next={target}", headers=form)
        assert response.headers["location"] == "/agent"


def test_the_agent_asks_and_searches_with_the_communes_read_once(client: TestClient) -> None:
    client.cookies.set(COOKIE, "sid-agent-1")
    search = client.get("/agent", params={"q": "déchets", "commune": "Orsay"})
    assert search.status_code == 200 and "Passages pour « déchets »" in search.text
    assert '<option value="Orsay" selected>Orsay</option>' in search.text
    assert "Bures-sur-Yvette" in search.text and "agent.js" not in search.text
    assert f'name="csrf_token" value="{AGENT_CSRF}"' in search.text
    answered = client.post(
        "/agent/ask",
        headers=FORM,
        content=f"question=Bac+jaune+%3F&commune=&csrf_token={AGENT_CSRF}",
    )
    assert answered.status_code == 200 and "Réponse &lt;b&gt;[1]&lt;/b&gt;" in answered.text
    assert ">Bac jaune ?</textarea>" in answered.text
    assert '<script src="/static/agent.js" defer></script>' in answered.text
    assert "Score d&#x27;ancrage" not in answered.text  # template text is not escaped twice
    assert 'Score d\'ancrage : <span class="score">0.40</span>' in answered.text
    empty = client.post("/agent/ask", content=f"question=+&csrf_token={AGENT_CSRF}")
    assert empty.status_code == 422 and "Le message est vide" in empty.text
    assert client.app.state.services.search.index.reads == 1  # type: ignore[attr-defined]


def test_the_reports_page_draws_its_trend_without_inline_style(client: TestClient) -> None:
    client.cookies.set(COOKIE, "sid-auditor-1")
    page = client.get("/audit/reports")
    assert page.status_code == 200 and '<svg class="trend" role="img"' in page.text
    assert "faithfulness : 0.71 → 0.82" in page.text
    assert '<a href="/audit/reports/2026-11-01/report.html">2026-11-01</a>' in page.text
    assert_no_inline_code(page.text)


def test_static_files_are_served(client: TestClient) -> None:
    css = client.get("/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    script = client.get("/static/agent.js")
    assert script.status_code == 200 and "Réponse copiée." in script.text


def test_the_commune_list_is_read_again_only_once_stale() -> None:
    now = [0.0]
    communes, index = CommuneList(ttl_s=60, clock=lambda: now[0]), FakeIndex()
    assert communes.names(index) == ["Bures-sur-Yvette", "Orsay"]
    now[0] = 59.0
    communes.names(index)
    assert index.reads == 1
    now[0] = 61.0
    communes.names(index)
    other = FakeIndex()
    communes.names(other)
    assert index.reads == 2 and other.reads == 1


def test_a_form_without_its_token_or_from_another_origin_is_refused(client: TestClient) -> None:
    """(k) SameSite=Strict still sends the cookie from another origin of the same site."""
    client.cookies.set(COOKIE, "sid-agent-1")
    body = "question=Bac+jaune+%3F&commune="
    for headers, content in (
        (FORM, body),  # no form token
        (FORM, body + "&csrf_token=" + csrf_token_for("sid-other")),  # another sign-in's token
        ({**FORM, "Origin": "http://testserver:8001"}, body + f"&csrf_token={AGENT_CSRF}"),
        ({**FORM, "Origin": "null"}, body + f"&csrf_token={AGENT_CSRF}"),
        ({**FORM, "Sec-Fetch-Site": "same-site"}, body + f"&csrf_token={AGENT_CSRF}"),
    ):
        refused = client.post("/agent/ask", headers=headers, content=content)
        assert refused.status_code == 403 and "Formulaire refusé" in refused.text, headers
    same = {**FORM, "Origin": "http://testserver"}
    assert client.post("/agent/ask", headers=same,
                       content=body + f"&csrf_token={AGENT_CSRF}").status_code == 200  # fmt: skip
    foreign_login = client.post("/login", content="token=agent-token", headers={
        **FORM, "Origin": "https://evil.example"})  # fmt: skip
    assert foreign_login.status_code == 403


def test_signing_out_is_a_form_that_ends_the_sign_in(client: TestClient) -> None:
    client.cookies.set(COOKIE, "sid-agent-1")
    page = client.get("/agent")
    assert '<form class="signed-in" method="post" action="/logout">' in page.text
    assert client.post("/logout", headers=FORM, content="").status_code == 403  # no token
    done = client.post("/logout", headers=FORM, content=f"csrf_token={AGENT_CSRF}")
    assert done.status_code == 303 and done.headers["location"] == "/login"
    client.cookies.set(COOKIE, "sid-agent-1")
    assert client.get("/agent").status_code == 303  # ended on the server, not only forgotten
