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


def register(app: typer.Typer) -> None:
    """Add `guichet models ...` to the command line."""
    app.add_typer(models_app, name="models")
