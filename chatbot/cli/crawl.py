"""`guichet crawl | sources`: index the authority's website as published, and list what it holds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer
from rich.markup import escape

from chatbot.cli.progress import progress_display
from chatbot.cli.support import err, friendly_errors, load_settings, out
from chatbot.domain import GuichetError, IndexedDocument

if TYPE_CHECKING:
    from ingestion.sources import SourceEntry

app = typer.Typer()

STATE_LABELS = {
    "indexed": "indexé",
    "gone_pending": "disparu (à confirmer)",
    "removed": "retiré",
    "failed": "en échec",
    "duplicate": "doublon",
    "redirect": "redirection",
    "excluded": "exclu",
    "file_missing": "fichier disparu",
    "not_in_index": "absent de l'index",
}
ORIGIN_LABELS = {"folder": "dossier", "web": "site"}


@app.command()
def crawl(
    urls: Annotated[
        list[str] | None,
        typer.Argument(help="Start URLs; without any, the sources of the settings are crawled."),
    ] = None,
    sitemap: Annotated[
        list[str] | None, typer.Option(help="A sitemap (or sitemap index) URL.")
    ] = None,
    allow: Annotated[
        list[str] | None, typer.Option(help="Only URLs matching this regular expression.")
    ] = None,
    deny: Annotated[
        list[str] | None, typer.Option(help="Never URLs matching this regular expression.")
    ] = None,
    max_pages: Annotated[int | None, typer.Option(min=1, help="URLs fetched at most.")] = None,
    max_depth: Annotated[int | None, typer.Option(min=0, help="Links followed at most.")] = None,
    commune_rule: Annotated[
        list[str] | None,
        typer.Option(
            help="PATTERN=COMMUNE: documents whose URL matches PATTERN belong to COMMUNE."
        ),
    ] = None,
    commune: Annotated[str, typer.Option(help="Commune of documents no rule matches.")] = "",
    licence: Annotated[str, typer.Option(help="Licence of the crawled documents.")] = "",
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="A sources.yaml/.csv whose entries, matched by url, give id, title, "
            "date, commune and licence."
        ),
    ] = None,
    sources_file: Annotated[
        Path | None, typer.Option("--sources", help="A TOML file of [[source]] tables to crawl.")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="Name of this source in the crawl state (default: the first host)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Crawl websites (pages, and their linked PDF, DOCX and ODT files) into the index;
    a re-crawl fetches only what changed and removes pages gone twice."""
    from chatbot.wiring import build_ingester, build_search_services
    from ingestion.crawl.config import configured_sources, load_sources_file, make_source
    from ingestion.crawl.crawler import Crawler
    from ingestion.crawl.indexing import IndexWriter

    with friendly_errors():
        settings = load_settings()
        if urls or sitemap:
            first = (urls or sitemap or [""])[0]
            sources = [make_source(
                name or urlsplit(first).netloc or "web", urls or [], sitemap or [], allow or [],
                deny or [], max_pages, max_depth, commune_rule or [], commune, licence, manifest,
            )]  # fmt: skip
        elif sources_file is not None:
            sources = load_sources_file(sources_file)
        else:
            sources = configured_sources(settings)
        if not sources:
            raise GuichetError(
                "rien à explorer : donnez des adresses, --sources FICHIER.toml, ou des sources "
                "dans les réglages (crawl_sources, GUICHET_CRAWL_SOURCES_FILE)."
            )
        with (
            build_search_services(settings) as search,
            progress_display(err, transient=as_json) as bar,
        ):
            bar.stage("Exploration", None)
            ingester = build_ingester(settings, search)
            writer = IndexWriter(ingester.index, ingester.embedder, ingester.encoder,
                                 ingester.options)  # fmt: skip
            crawler = Crawler.from_settings(settings, writer)
            try:
                report = crawler.run(sources, on_url=lambda url: bar.advance(detail=url))
            finally:
                crawler.close()
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        for line in report.summary_lines():
            out.print(escape(line))
        for line in report.problem_lines():
            if not line.startswith("Ignoré"):
                err.print(escape(line))
        reasons = Counter(item["reason"] for item in report.skipped)
        for reason, count in reasons.most_common():
            err.print(escape(f"Ignoré ({count} adresses) : {reason}"))
    if report.pages + report.documents + report.not_modified == 0 and report.failed:
        raise typer.Exit(1)


@app.command()
def sources(
    source: Annotated[str | None, typer.Option(help="Only the URLs of this crawl source.")] = None,
    state: Annotated[
        str | None,
        typer.Option(help=f"Only documents in this state ({', '.join(STATE_LABELS)})."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every indexed document (ingested from a folder or crawled) and every crawled URL,
    with its dates (its own, indexed, last seen, last changed), its state and OCR."""
    from chatbot.wiring import build_search_services
    from ingestion.sources import crawl_records, list_sources

    with friendly_errors():
        settings = load_settings()
        records = crawl_records(settings.data_dir / "crawl.db")
        documents: dict[str, IndexedDocument] | None = None
        try:
            with build_search_services(settings) as search:
                documents = search.index.documents()
        except (GuichetError, FileNotFoundError) as error:
            err.print(escape(f"Index illisible ({error}) : seules les adresses explorées sont "
                             "listées."))  # fmt: skip
    entries = [
        entry
        for entry in list_sources(documents, records)
        if (source is None or entry.source == source) and (state is None or entry.state == state)
    ]
    if as_json:
        print(json.dumps([entry.as_dict() for entry in entries], ensure_ascii=False))
        return
    if not entries:
        err.print("Aucun document indexé : lancez d'abord `guichet ingest` ou `guichet crawl`.")
        return
    from rich.table import Column, Table

    table = Table(Column("adresse ou fichier", overflow="fold"), "titre", "origine", "état",
                  "dates", "commune", "passages",
                  title=f"{len(entries)} documents et adresses")  # fmt: skip
    for e in entries:
        pages = ", ".join(str(page) for page in e.ocr_pages)
        label = STATE_LABELS.get(e.state, e.state) + (f" · OCR (p. {pages})" if e.ocr else "")
        table.add_row(escape(e.location), escape(e.title), ORIGIN_LABELS.get(e.origin, e.origin),
                      label + (f"\n{escape(e.note)}" if e.note else ""), _dates(e),
                      escape(e.commune or "–"), str(e.chunks))  # fmt: skip
    out.print(table)


def _dates(entry: SourceEntry) -> str:
    """The dates known of a document, one a line: its own, then indexed, seen and changed."""
    dates = [("du document", entry.date), ("indexé le", entry.indexed_at[:10]),
             ("vu le", entry.last_seen[:10]), ("changé le", entry.last_changed[:10])]  # fmt: skip
    return "\n".join(f"{name} {escape(day)}" for name, day in dates if day) or "–"


def register(main: typer.Typer) -> None:
    """Add `guichet crawl` and `guichet sources` to the command line."""
    main.registered_commands.extend(app.registered_commands)
