"""The `guichet` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chatbot.cli.privacy import register_privacy_commands
from chatbot.cli.progress import progress_display
from chatbot.cli.support import err, friendly_errors, load_settings, out
from chatbot.domain import GuichetError, Passage, SearchFilters
from chatbot.answering.serialize import passage_json
from chatbot.settings import ModelProfile

app = typer.Typer(
    help="Guichet: a sovereign citizen chatbot answering from the authority's documents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Fetch and check the model files.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@app.command()
def config(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Print the effective settings, where each comes from and what it means."""
    with friendly_errors():
        rows = load_settings().describe()
    if as_json:
        print(json.dumps({row["name"]: row["value"] for row in rows}, indent=2, default=str))
        return
    from rich.table import Table

    table = Table("variable", "value", "meaning", title="Guichet settings")
    for row in rows:
        table.add_row(row["env"], str(row["value"]), row["description"])
    out.print(table)


@models_app.command("pull")
def models_pull(
    profile: Annotated[
        ModelProfile | None, typer.Option(help="Model set to fetch (default: the setting).")
    ] = None,
) -> None:
    """Download, assemble and verify the profile's model files into the models folder."""
    from chatbot.models import PROFILES, pull

    with friendly_errors():
        settings = load_settings(model_profile=profile)
        for role, spec in PROFILES[settings.model_profile].items():
            err.print(f"[bold]{role}[/]: {spec.description}")
            pull(spec, settings.resolved_models_dir, progress=lambda line: err.print(line))


@models_app.command("list")
def models_list() -> None:
    """List the known models and whether each is installed."""
    from chatbot.models import PROFILES

    with friendly_errors():
        settings = load_settings()
    for profile, roles in PROFILES.items():
        for role, spec in roles.items():
            present = (settings.resolved_models_dir / spec.target).exists()
            mark = "[green]installed[/]" if present else "[yellow]missing[/]"
            out.print(f"{profile:8} {role:9} {spec.key:40} {mark}  ({spec.licence})")


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
    from chatbot.text.lexical import FrenchBM25Encoder
    from chatbot.wiring import build_embedder, build_index
    from ingestion.manifest import read_manifest_file
    from ingestion.pipeline import ChunkingOptions
    from ingestion.pipeline import ingest as run_ingest

    with friendly_errors():
        settings = load_settings()
        given_manifest = read_manifest_file(manifest) if manifest else None
        embedder = build_embedder(settings)
        index = build_index(settings, embedder)
        try:
            with progress_display(err, transient=as_json) as bar:
                bar.stage("Ingesting", None)
                done_chunks = 0

                def on_file(path: str, chunks: int) -> None:
                    nonlocal done_chunks
                    done_chunks += chunks
                    bar.advance(detail=f"{done_chunks} chunks")

                report = run_ingest(
                    paths,
                    index,
                    embedder,
                    FrenchBM25Encoder(),
                    ChunkingOptions(settings.chunk_size, settings.chunk_overlap),
                    max_file_bytes=int(settings.max_file_mb * 1e6),
                    on_file=on_file,
                    on_start=lambda total: bar.stage("Ingesting", total),
                    manifest=given_manifest,
                )
        finally:
            index.close()
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
        asked = [question] if question is not None else _read_questions(questions)
        services = build_search_services(load_settings())
        try:
            results = services.retriever.search_many(asked, limit, filters)
        finally:
            services.close()
    if questions is not None or as_json:
        for passages in results:
            print(json.dumps([passage_json(p) for p in passages], ensure_ascii=False))
        return
    for passage in results[0]:
        _print_passage(passage)


def _read_questions(path: Path | None) -> list[str]:
    assert path is not None
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


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in any language.")],
    session: Annotated[
        str | None, typer.Option("--session", help="Continue this conversation (its session_id).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON object.")] = False,
) -> None:
    """Answer a question from the indexed documents, with its sources."""
    from chatbot.answering.turns import answer_payload, open_turn
    from chatbot.wiring import build_services

    with friendly_errors():
        settings = load_settings()
        services = build_services(settings)
        try:
            turn = open_turn(services.conversations, settings, question, session)
            answer = services.answerer.answer(turn.message, turn.history)
            payload = answer_payload(turn, answer, services.record(turn, answer))
        finally:
            services.close()
    if as_json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    out.print(payload["answer"])
    for citation in payload["citations"]:
        page = f", p. {citation['page']}" if citation["page"] else ""
        link = citation["url"] or f"(source {citation['source_id']})"
        out.print(f"  [{citation['n']}] {citation['title']}{page} — {link}")
    err.print(
        f"[dim]session {payload['session_id']} · {payload['timings']['total_ms'] / 1000:.1f} s[/]"
    )


@app.command("eval")
def evaluate(
    dataset: Annotated[Path, typer.Option(help="Questions, one JSON object per line.")],
    corpus: Annotated[Path, typer.Option(help="Folder of documents the answers must come from.")],
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.", min=1)] = None,
    metrics: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated groups (retrieval, checks, ragas, cost) or metrics; "
            "default: all. `retrieval` alone generates no answer."
        ),
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for results.jsonl, summary.json, report.html.")
    ] = Path("eval-report"),
    compare: Annotated[
        Path | None, typer.Option(help="The --out folder of an earlier run, to compare with.")
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(help="A sources.yaml/.csv to use instead of the corpus folder's own."),
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option(
            help="Score the answers of an earlier run (its --out folder) again instead "
            "of generating them, e.g. with another judge or more metrics."
        ),
    ] = None,
    k: Annotated[int, typer.Option(help="Cut-off of the retrieval metrics.", min=1)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Evaluate answer quality on a question set and a corpus; write a report with plots."""
    from eval.request import EvalRequest, parse_metrics
    from eval.runner import run_evaluation

    with friendly_errors():
        settings = load_settings()
        request = EvalRequest(dataset=dataset, corpus=corpus, out=out_dir, limit=limit, k=k,
                              metrics=parse_metrics(metrics), compare=compare,
                              manifest=manifest, answers=answers)  # fmt: skip
        with progress_display(err, transient=as_json) as progress:
            summary = run_evaluation(settings, request, progress)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    from eval.metric_info import describe, format_value

    for name, value in summary["metrics"].items():
        out.print(f"{describe(name).label:<40} {format_value(name, value)}")
    out.print(f"Report: {out_dir / 'report.html'} ({summary['duration_s']} s)")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Start the web service."""
    import uvicorn

    from chatbot.api.app import create_app

    with friendly_errors():
        settings = load_settings()
        application = create_app(settings)
    # No access log: it would write residents' IP addresses next to their requests.
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False)


register_privacy_commands(app)


def main() -> None:
    """Entry point for `python -m chatbot`."""
    app()


if __name__ == "__main__":
    main()
