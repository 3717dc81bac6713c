"""A test website, built at test time from the service-public sheets and served on 127.0.0.1:
menus, footers and a cookie banner around each page, a sitemap index, a robots.txt that forbids a
section, redirects (one looping), a 404, a page that changes, a PDF with a table, a scanned PDF,
and hostile answers (huge, endless, bombs, wrong charset, a million-URL sitemap)."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ingestion.loaders.text import looks_like_heading
from tests.documents import write_docx
from tests.site_documents import flate_bomb_pdf, scanned_pdf, tariff_pdf, zeros_deflated, zip_bomb

MENU = "Menu principal du site de test"
FOOTER = "Pied de page : mentions légales de l'agglomération"
COOKIES = "Nous déposons des cookies de mesure d'audience sur votre terminal"
LAST_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT"
MARKET = "Le marché couvert d'Orsay se tient le mercredi et le samedi matin, place du Marché."
DUMP = "La Déchèterie intercommunale ouvre en été de 9 h à 18 h."
TOWN_HALL = "La mairie annexe ouvre le samedi de 9 h à 12 h."
SORTING = "Le bac jaune reçoit les emballages et les papiers, collecté le mercredi."
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Route:
    """One answer of the site: fixed bytes (with ETag and Last-Modified) or a stream."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    stream: Callable[[], Iterator[bytes]] | None = None
    failures: int = 0  # answer 503 this many times first


def page(title: str, body: str, head: str = "") -> bytes:
    """An HTML page with menu, cookie banner and footer around its main content."""
    return (
        f"<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>{html.escape(title)}"
        f" | Agglo de test</title>{head}</head><body><div id='cookie-banner' class='cookie-consent'>"
        f"<p>{COOKIES}. Tout accepter ou tout refuser.</p></div><header><nav><p>{MENU}</p><ul>"
        "<li><a href='/'>Accueil</a></li><li><a href='/actualites/piscine.html'>Actualités</a>"
        f"</li></ul></nav></header><main><article><h1>{html.escape(title)}</h1>{body}</article>"
        f"</main><footer><p>{FOOTER}</p><a href='http://example.org/partenaire'>Partenaire</a>"
        "</footer></body></html>"
    ).encode()


def sheet_page(text: str) -> tuple[str, bytes]:
    """A service-public sheet as a page: its first line is the title, heading-like lines h2."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0][:90]
    parts = []
    for number, line in enumerate(lines[1:], start=1):
        following = lines[number + 1] if number + 1 < len(lines) else ""
        tag = "h2" if looks_like_heading(line, following) else "p"
        parts.append(f"<{tag}>{html.escape(line)}</{tag}>")
    return title, page(title, "".join(parts))


class TestSite:
    """The site's routes, its server thread and the log of what was asked."""

    __test__ = False  # not a pytest class

    def __init__(self, sheets: list[Path], work: Path) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self.sheets = [path.stem for path in sheets]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self._build(sheets, work)

    def _build(self, sheets: list[Path], work: Path) -> None:
        b, r, s = self.base, self.routes, self.sheets
        for path in sheets:
            _, body = sheet_page(path.read_text(encoding="utf-8"))
            r[f"/fiches/{path.stem}.html"] = Route(body, headers={"Last-Modified": LAST_MODIFIED})
        r[f"/copie/{s[1]}.html"] = Route(r[f"/fiches/{s[1]}.html"].body)
        canonical = f"<link rel='canonical' href='/fiches/{s[2]}.html'>"
        r[f"/imprimer/{s[2]}.html"] = Route(
            page("Imprimer", "<p>Version imprimable.</p>", canonical)
        )
        r["/"] = Route(page("Accueil", "<p>Bienvenue sur le site de l'agglomération.</p><ul>"
                            + "".join(f"<li><a href='{x}'>{x}</a></li>" for x in self._links())
                            + "</ul>"))  # fmt: skip
        r["/prive/notes.html"] = Route(page("Notes internes", "<p>Document interne secret.</p>"))
        r["/ancienne-adresse"] = Route(status=301, headers={"Location": f"/fiches/{s[0]}.html"})
        r["/boucle-a"] = Route(status=302, headers={"Location": "/boucle-b"})
        r["/boucle-b"] = Route(status=302, headers={"Location": f"{b}/boucle-a"})
        r["/vers-ailleurs"] = Route(status=302, headers={"Location": "http://example.org/"})
        r["/orsay/marche.html"] = Route(page("Marché d'Orsay", f"<p>{MARKET}</p>"))
        latin = page("Déchèterie", f"<p>{DUMP}</p>").replace(b"<meta charset='utf-8'>", b"")
        r["/ancien-encodage.html"] = Route(latin.decode().encode("cp1252"),
                                           headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
        r["/vide.html"] = Route(b"<html><body><nav><a href='/'>Accueil</a></nav></body></html>")
        noindex = "<meta name='robots' content='noindex'>"
        r["/brouillon.html"] = Route(page("Brouillon", "<p>Texte non publié.</p>", noindex))
        r["/instable.html"] = Route(page("Mairie annexe", f"<p>{TOWN_HALL}</p>"), failures=1)
        self.set_news("Ouverture de la piscine", "<p>La piscine rouvre le 4 mars 2024.</p>",
                      "<meta property='article:modified_time' content='2024-03-05T10:00:00'>")  # fmt: skip
        pdf = {"Content-Type": "application/pdf"}
        r["/docs/tarifs.pdf"] = Route(tariff_pdf(), headers=pdf)
        r["/docs/arrete-scan.pdf"] = Route(scanned_pdf(), headers=pdf)
        docx = write_docx(work / "guide.docx", "Guide du tri", {"Bac jaune": SORTING})
        r["/docs/guide.docx"] = Route(docx.read_bytes(), headers={"Content-Type": DOCX})
        r["/docs/enorme.pdf"] = Route(
            headers={**pdf, "Content-Length": str(5 * 10**9)}, stream=_zeros
        )
        r["/docs/sans-fin.pdf"] = Route(headers=pdf, stream=lambda: _zeros(b"%PDF-1.4\n"))
        r["/docs/bombe.pdf"] = Route(zip_bomb(200), headers=pdf)
        gzipped = zeros_deflated(100, 16 + zlib.MAX_WBITS)
        r["/docs/rapport-gzip.pdf"] = Route(gzipped, headers={**pdf, "Content-Encoding": "gzip"})
        r["/docs/bombe-flate.pdf"] = Route(flate_bomb_pdf(100), headers=pdf)
        r["/flux-lent"] = Route(stream=self._trickle)
        r["/robots.txt"] = Route(f"User-agent: *\nDisallow: /prive/\n\nUser-agent: AutreRobot\n"
                                 f"Disallow: /\n\nSitemap: {b}/sitemap.xml\n".encode())  # fmt: skip
        files = ("sitemap-pages.xml", "sitemap-docs.xml.gz", "sitemap-archives.xml")
        r["/sitemap.xml"] = Route(_sitemap("sitemapindex", "sitemap", [f"{b}/{f}" for f in files]))
        pages = [f"{b}/fiches/{stem}.html" for stem in s] + [f"{b}/actualites/piscine.html"]
        r["/sitemap-pages.xml"] = Route(_sitemap("urlset", "url", pages))
        r["/sitemap-docs.xml.gz"] = Route(
            gzip.compress(_sitemap("urlset", "url", [f"{b}/docs/tarifs.pdf"]))
        )
        r["/sitemap-archives.xml"] = Route(stream=self._million)

    def _links(self) -> list[str]:
        """What the home page links to."""
        s, port = self.sheets, self.base.rsplit(":", 1)[1]
        return [
            *(f"/fiches/{stem}.html" for stem in s[:4]),
            f"/fiches/{s[2]}.html?utm_source=lettre",
            f"/copie/{s[1]}.html",
            f"/imprimer/{s[2]}.html",
            *(f"/{name}" for name in ("prive/notes.html", "ancienne-adresse", "boucle-a",
              "vers-ailleurs", "page-disparue", "orsay/marche.html", "ancien-encodage.html",
              "vide.html", "brouillon.html", "instable.html", "flux-lent")),
            *(f"/docs/{name}" for name in ("tarifs.pdf", "arrete-scan.pdf", "guide.docx",
              "enorme.pdf", "sans-fin.pdf", "bombe.pdf", "rapport-gzip.pdf", "bombe-flate.pdf")),
            f"http://localhost:{port}/",
        ]  # fmt: skip

    def set_news(self, title: str, body: str, head: str = "") -> None:
        """Publish (or change) the news page."""
        self.routes["/actualites/piscine.html"] = Route(page(title, body, head))

    def remove(self, path: str) -> None:
        """Make a page answer 404 from now on."""
        self.routes[path] = Route(page("Page introuvable", "<p>Erreur 404</p>"), status=404)

    def asked(self, prefix: str) -> list[tuple[str, dict[str, str]]]:
        """The requests whose path starts with prefix."""
        return [(path, headers) for path, headers in self.requests if path.startswith(prefix)]

    def _million(self) -> Iterator[bytes]:
        yield b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        for start in range(0, 1_000_000, 1000):
            yield "".join(f"<url><loc>{self.base}/archives/{n}</loc></url>"
                          for n in range(start, start + 1000)).encode()  # fmt: skip
        yield b"</urlset>"

    def _trickle(self) -> Iterator[bytes]:
        yield b"<html><body><main><h1>Flux</h1>"
        while not self.stopping.is_set():
            time.sleep(0.2)
            yield b"<p>encore une ligne</p>"

    def __enter__(self) -> TestSite:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


def _zeros(prefix: bytes = b"") -> Iterator[bytes]:
    yield prefix
    for _ in range(10_000):  # 10 GB at most, if nobody hangs up
        yield bytes(1 << 20)


def _sitemap(root: str, entry: str, urls: list[str]) -> bytes:
    entries = "".join(f"<{entry}><loc>{url}</loc></{entry}>" for url in urls)
    namespace = "http://www.sitemaps.org/schemas/sitemap/0.9"
    return f'<?xml version="1.0"?><{root} xmlns="{namespace}">{entries}</{root}>'.encode()


def _handler(site: TestSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            site.requests.append((self.path, dict(self.headers.items())))
            route = site.routes.get(self.path.split("?")[0]) or Route(b"introuvable", 404)
            if route.failures:
                route.failures -= 1
                return self._send(503, {"Retry-After": "0"}, b"indisponible")
            headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
            if route.stream is not None:
                self._send(route.status, headers, None)
                try:
                    for data in route.stream():
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if route.status == 200 and self.headers.get("If-None-Match") == etag:
                return self._send(304, {"ETag": etag}, b"")
            self._send(route.status, {**headers, "ETag": etag}, route.body)

        def _send(self, status: int, headers: dict[str, str], body: bytes | None) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if body is not None and "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

    return Handler
