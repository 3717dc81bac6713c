"""`guichet models pull | list`: fetch, assemble and verify the model files."""

from __future__ import annotations

from typing import Annotated

import typer

from chatbot.cli.support import err, friendly_errors, load_settings, out
from chatbot.settings import ModelProfile

models_app = typer.Typer(help="Fetch and check the model files.", no_args_is_help=True)


@models_app.command("pull")
def models_pull(
    profile: Annotated[
        ModelProfile | None, typer.Option(help="Model set to fetch (default: the setting).")
    ] = None,
) -> None:
    """Download, assemble and verify the profile's model files into the models folder; with the
    int8 extra installed, export the embedder to int8 ONNX for this CPU (checksummed)."""
    from chatbot.models import PROFILES, pull
    from chatbot.retrieval.embedding import export_int8

    with friendly_errors():
        settings = load_settings(model_profile=profile)
        for role, spec in PROFILES[settings.model_profile].items():
            err.print(f"[bold]{role}[/]: {spec.description}")
            target = pull(spec, settings.resolved_models_dir, progress=lambda line: err.print(line))
            if role == "embedder" and export_int8(target, progress=err.print) is None:
                err.print("  int8 export skipped (needs AVX2 and the int8 extra: "
                          "deploy/install.sh VENV int8)")  # fmt: skip


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


def register(app: typer.Typer) -> None:
    """Add `guichet models ...` to the command line."""
    app.add_typer(models_app, name="models")
