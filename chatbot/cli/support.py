"""What every `guichet` command shares: consoles, settings, and errors turned into one clear line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console

from chatbot.domain import GuichetError
from chatbot.settings import Settings

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn domain and settings errors into one clear line and exit code 2."""
    try:
        yield
    except GuichetError as error:
        err.print(f"[bold red]Error:[/] {error}")
        raise typer.Exit(2) from error
    except ValidationError as error:
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"])
            err.print(f"[bold red]Invalid setting[/] GUICHET_{name.upper()}: {problem['msg']}")
        raise typer.Exit(2) from error
    except FileNotFoundError as error:
        err.print(f"[bold red]Error:[/] {error}")
        raise typer.Exit(2) from error


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and file, with command-line overrides."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})
