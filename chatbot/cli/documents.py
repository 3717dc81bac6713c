"""`guichet ingest | search`: index documents and look passages up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chatbot.cli.progress import progress_display
from chatbot.cli.support import err, friendly_errors, load_settings, out
from chatbot.domain import GuichetError, Passage, SearchFilters

app = typer.Typer()


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Folders (read recursively) or files.")],
    manifest: Annotated[
        Path | None,
        typer.Option(help="A sources.yaml/.csv to use instead of the folders' own manifests."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Index documents (.txt .md .html .pdf .docx .odt); unchanged ones are skipped."""
    from chatbot.wiring import build_ingester, build_search_services
    from ingestion.manifest import read_manifest_file

    with friendly_errors():
        settings = load_settings()
        given_manifest = read_manifest_file(manifest) if manifest else None
        with (
            build_search_services(settings) as search,
            progress_display(err, transient=as_json) as bar,
        ):
            bar.stage("Ingesting", None)
            done_chunks = 0

            def on_file(path: str, chunks: int) -> None:
                nonlocal done_chunks
                done_chunks += chunks
                bar.advance(detail=f"{done_chunks} chunks")

            report = build_ingester(settings, search).run(
                paths,
                on_file=on_file,
                on_start=lambda total: bar.stage("Ingesting", total),
                manifest=given_manifest,
            )
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        summary = report.as_dict()
        out.print(
            f"{summary['documents']} documents, {summary['chunks']} chunks: "
            f"{summary['added']} added, {summary['updated']} updated, "
            f"{summary['unchanged']} unchanged, {summary['removed']} removed "
            f"in {summary['seconds']} s"
        )
        for failure in report.failed:
            err.print(f"[yellow]Skipped[/] {failure['path']}: {failure['error']}")
    if report.failed and not report.documents:
        raise typer.Exit(1)


@app.command()
def search(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-k", min=1, max=50)] = None,
    questions: Annotated[
        Path | None,
        typer.Option(help="JSONL file of {'question': ...} lines; one result list per line."),
    ] = None,
    commune: Annotated[list[str] | None, typer.Option(help="Only these communes.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only these source ids.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the passages that best match a question (or each question of a JSONL file)."""
    from chatbot.wiring import build_search_services

    if (question is None) == (questions is None):
        err.print("[bold red]Error:[/] give either a QUESTION or --questions FILE.jsonl")
        raise typer.Exit(2)
    filters = SearchFilters(tuple(commune or ()), tuple(source or ()))
    with friendly_errors():
        asked = _read_questions(questions) if questions is not None else [question or ""]
        with build_search_services(load_settings()) as services:
            results = services.retriever.search_many(asked, limit, filters)
    if questions is not None or as_json:
        for passages in results:
            print(json.dumps([p.as_json() for p in passages], ensure_ascii=False))
        return
    for passage in results[0]:
        _print_passage(passage)


def _read_questions(path: Path) -> list[str]:
    if not path.is_file():
        raise GuichetError(f"{path} does not exist.")
    asked = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            asked.append(str(record["question"]))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise GuichetError(
                f"{path}, line {number}: expected a JSON object with a 'question' ({error})."
            ) from error
    return asked


def _print_passage(passage: Passage) -> None:
    chunk = passage.chunk
    where = " > ".join(chunk.headings)
    page = f", p. {chunk.page}" if chunk.page else ""
    out.print(f"[bold]{passage.rank}. {chunk.source.title}[/] [dim]({chunk.source.source_id}{page}, "
              f"score {passage.score:.4f})[/]")  # fmt: skip
    if where:
        out.print(f"   [italic]{where}[/]")
    if chunk.source.url:
        out.print(f"   {chunk.source.url}")
    excerpt = chunk.text if len(chunk.text) < 300 else chunk.text[:300] + "…"
    out.print("   " + excerpt.replace("\n", "\n   "))


def register(main: typer.Typer) -> None:
    """Add `guichet ingest` and `guichet search` to the command line."""
    main.registered_commands.extend(app.registered_commands)
