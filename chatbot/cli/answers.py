"""`guichet ask | eval`: answer a question, evaluate answer quality."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chatbot.cli.progress import progress_display
from chatbot.cli.support import err, friendly_errors, load_settings, out

app = typer.Typer()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in any language.")],
    session: Annotated[
        str | None, typer.Option("--session", help="Continue this conversation (its session_id).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON object.")] = False,
    simple: Annotated[
        bool, typer.Option("--simple", help="Plain language (short sentences, common words).")
    ] = False,
) -> None:
    """Answer a question from the indexed documents, with its sources."""
    from chatbot.answering.pipeline import Sentence, Style
    from chatbot.wiring import build_services

    shown: list[str] = []
    with friendly_errors(), build_services(load_settings()) as services:
        turn = services.conversations.open(question, session)
        style: Style = "simple" if simple else "standard"
        for event in services.conversations.stream(turn, style=style):
            if isinstance(event, Sentence):
                shown.append(event.text)
                if not as_json:  # each sentence as soon as it passed verification
                    out.print(event.text)
            else:
                payload = event.payload()
    if as_json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if payload["abstained"] or not shown:
        if shown:
            err.print("[yellow]Réponse retirée après vérification ; à la place :[/]")
        out.print(payload["answer"])
    for dropped in payload["dropped_sentences"]:
        err.print(f"[dim]Phrase écartée ({dropped['failed_check']}) : {dropped['sentence']}[/]")
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
            help="Comma-separated groups (retrieval, checks, ragas, cost, safety) or metrics; "
            "default: all. `retrieval` (or `safety`) alone generates no answer."
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
    styles: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated answer styles: standard, simple (plain language); each "
            "question is answered once per style. Default: standard."
        ),
    ] = None,
    judge_contexts: Annotated[
        str,
        typer.Option(
            help="What the judge's faithfulness reads with each answer: cited (the passages "
            "it cites) or shown (every passage shown to the model)."
        ),
    ] = "cited",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Evaluate answer quality on a question set and a corpus; write a report with plots."""
    from eval.request import EvalRequest, parse_metrics, parse_styles
    from eval.runner import run_evaluation

    with friendly_errors():
        settings = load_settings()
        request = EvalRequest(dataset=dataset, corpus=corpus, out=out_dir, limit=limit, k=k,
                              metrics=parse_metrics(metrics), compare=compare,
                              manifest=manifest, answers=answers,
                              styles=parse_styles(styles),
                              judge_contexts=judge_contexts)  # fmt: skip
        with progress_display(err, transient=as_json) as progress:
            summary = run_evaluation(settings, request, progress)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    from eval.metric_info import describe, format_value

    for name, value in summary["metrics"].items():
        out.print(f"{describe(name).label:<40} {format_value(name, value)}")
    out.print(f"Report: {out_dir / 'report.html'} ({summary['duration_s']} s)")


def register(main: typer.Typer) -> None:
    """Add `guichet ask` and `guichet eval` to the command line."""
    main.registered_commands.extend(app.registered_commands)
