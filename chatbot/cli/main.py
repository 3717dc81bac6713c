"""The `guichet` command line: the app, `config` and `serve`; each command group has its own
module (models, documents, answers, privacy) that registers its commands here."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from chatbot.cli import answers, crawl, documents, models, operations
from chatbot.cli.privacy import register_privacy_commands
from chatbot.cli.support import friendly_errors, load_settings, out

app = typer.Typer(
    help="Guichet: a sovereign citizen chatbot answering from the authority's documents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Processes (default: GUICHET_WORKERS, else 1); more than one needs a Qdrant "
            "server, PostgreSQL and an inference server.",
        ),
    ] = None,
) -> None:
    """Start the web service."""
    import uvicorn

    from chatbot.cli.operations import check_serving, prepare_workers

    with friendly_errors():
        settings = load_settings()
        count = workers or settings.workers
        if count > 1:
            prepare_workers(settings, count)
        else:
            check_serving(settings)
            from chatbot.api.app import create_app

            application = create_app(settings)
    # No access log: it would write residents' IP addresses next to their requests.
    if count > 1:  # each worker builds its own services from the same settings
        uvicorn.run("chatbot.cli.operations:create_app_from_environment", factory=True,
                    workers=count, host=host, port=port, log_level="info", access_log=False)  # fmt: skip
        return
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False)


for register in (models.register, documents.register, crawl.register, answers.register,
                 register_privacy_commands, operations.register):  # fmt: skip
    register(app)


def main() -> None:
    """Entry point for `python -m chatbot`."""
    app()


if __name__ == "__main__":
    main()
