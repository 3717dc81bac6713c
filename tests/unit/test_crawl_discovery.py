"""URLs, scope, sitemaps and links; page extraction (main content, charset, dates)."""

from __future__ import annotations

import gzip

import lxml.html
import pytest

from ingestion.crawl.config import make_source
from ingestion.crawl.discovery import Scope, normalize_url, page_links
from ingestion.crawl.extract import decode, extract_page
from ingestion.crawl.sitemaps import parse_sitemap

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.FR:80/a/b?utm_source=x&id=3#top", "http://example.fr/a/b?id=3"),
        ("https://example.fr", "https://example.fr/"),
        ("https://example.fr:8443/x", "https://example.fr:8443/x"),
        ("mailto:contact@example.fr", None),
        ("javascript:void(0)", None),
        ("http://[bad", None),
    ],
)
def test_normalize_url(raw: str, expected: str | None) -> None:
    assert normalize_url(raw) == expected


def test_scope_hosts_allow_deny() -> None:
    source = make_source("s", ["https://www.ville.fr/"], allow=["/demarches/", "/docs/"],
                         deny=[r"\?page="])  # fmt: skip
    scope = Scope(source)
    assert scope.refusal("https://www.ville.fr/demarches/etat-civil") is None
    assert scope.refusal("https://ville.fr/demarches/etat-civil") is None
    assert "autre domaine" in (scope.refusal("https://autre.fr/demarches/") or "")
    assert "--allow" in (scope.refusal("https://www.ville.fr/agenda") or "")
    assert "--deny" in (scope.refusal("https://www.ville.fr/demarches/?page=2") or "")
    assert "non indexé" in (scope.refusal("https://www.ville.fr/docs/photo.jpg") or "")


def test_sitemap_index_urlset_gzip_and_cap() -> None:
    index = f"<sitemapindex {NS}><sitemap><loc>https://a.fr/s1.xml</loc></sitemap></sitemapindex>"
    found = parse_sitemap(index.encode(), 10, 10**6)
    assert found.is_index and found.urls == ["https://a.fr/s1.xml"]
    urls = "".join(f"<url><loc>https://a.fr/p{n}</loc></url>" for n in range(50))
    body = gzip.compress(f"<urlset {NS}>{urls}</urlset>".encode())
    found = parse_sitemap(body, 20, 10**6)
    assert not found.is_index and len(found.urls) == 20 and found.capped
    assert parse_sitemap(body, 100, 100).broken.startswith("sitemap compressé illisible")


def test_a_truncated_or_broken_sitemap_keeps_what_it_read() -> None:
    urls = "".join(f"<url><loc>https://a.fr/p{n}</loc></url>" for n in range(10))
    body = f"<urlset {NS}>{urls}<url><loc>https://a.fr/cut".encode()
    found = parse_sitemap(body, 100, 10**6)
    assert len(found.urls) == 10 and not found.capped
    entity = b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    found = parse_sitemap(entity + b"<urlset><url><loc>&x;</loc></url></urlset>", 10, 10**6)
    assert all("root:" not in url for url in found.urls)


def test_page_links_base_nofollow_canonical() -> None:
    tree = lxml.html.document_fromstring(
        "<html><head><base href='https://a.fr/dossier/'><link rel='canonical' href='/vrai'>"
        "</head><body><a href='page.html'>p</a><a href='/x#frag'>x</a><a href='mailto:m@a.fr'>"
        "m</a><a rel='nofollow' href='/secret'>s</a><a href='/x'>x again</a></body></html>"
    )
    links, canonical = page_links(tree, "https://a.fr/ici")
    assert links == ["https://a.fr/dossier/page.html", "https://a.fr/x"]
    assert canonical == "https://a.fr/vrai"


def test_decode_trusts_valid_utf8_then_the_announcement_then_cp1252() -> None:
    text = "Déchèterie"
    assert decode(text.encode(), "text/html; charset=utf-8") == (text, "")
    assert decode(text.encode("latin-1"), "text/html; charset=iso-8859-1") == (text, "")
    decoded, note = decode(text.encode("cp1252"), "text/html; charset=utf-8")
    assert decoded == text and "annoncé utf-8, lu en windows-1252" in note
    decoded, note = decode(text.encode(), "text/html; charset=iso-8859-1")
    assert decoded == text and "lu en utf-8" in note
    meta = b"<meta charset='windows-1252'>" + text.encode("cp1252")
    assert decode(meta, "text/html")[0].endswith(text)


PAGE = """<html lang=fr><head><title>Piscine | Ville</title>{head}</head><body>
<div class="cookie-banner"><p>Nous utilisons des cookies pour mesurer l'audience du site.</p></div>
<header><nav><ul><li><a href="/">Accueil</a></li><li><a href="/plan">Plan du site</a></li></ul>
</nav></header><main><h1>Piscine municipale</h1><p>La piscine municipale accueille le public
toute l'année, sauf pendant la vidange technique de septembre, et propose des cours.</p>
<h2>Horaires</h2><table><tr><th>Jour</th><th>Ouverture</th></tr><tr><td>Lundi</td>
<td>12 h - 14 h</td></tr><tr><td>Mardi</td><td>Fermé</td></tr></table>{body}</main>
<footer><p>Mentions légales et plan du site de la ville</p></footer></body></html>"""


def test_extract_main_content_title_table_and_links() -> None:
    page = extract_page(PAGE.format(head="", body=""), "https://a.fr/piscine")
    texts = [block.text for block in page.blocks]
    joined = "\n".join(texts)
    assert page.title == "Piscine municipale"
    assert "vidange technique" in joined and "| Lundi | 12 h - 14 h |" in joined
    assert "cookies" not in joined and "Mentions" not in joined and "Accueil" not in joined
    table = next(block for block in page.blocks if block.text.startswith("|"))
    assert table.text.startswith("| Jour | Ouverture |\n|---|---|") and table.headings == (
        "Horaires",
    )
    assert "https://a.fr/plan" in page.links and not page.noindex


@pytest.mark.parametrize(
    ("head", "body", "last_modified", "date"),
    [
        ("<meta property='article:modified_time' content='2024-03-05T10:00:00+01:00'>", "", "",
         "2024-03-05"),
        ("", "<p>Mis à jour le 12 juin 2024</p>", "", "2024-06-12"),
        ("", "<p>Mise à jour : 1er février 2023</p>", "", "2023-02-01"),
        ("", "<p>Page mise à jour le 03/11/2022.</p>", "", "2022-11-03"),
        ("", "", "Wed, 01 May 2024 10:00:00 GMT", "2024-05-01"),
        ("", "", "", ""),
    ],
)  # fmt: skip
def test_page_dates(head: str, body: str, last_modified: str, date: str) -> None:
    page = extract_page(PAGE.format(head=head, body=body), "https://a.fr/p", last_modified)
    assert page.date == date


def test_robots_meta() -> None:
    page = extract_page(PAGE.format(head="<meta name='robots' content='noindex, nofollow'>",
                                    body=""), "https://a.fr/p")  # fmt: skip
    assert page.noindex and page.nofollow
