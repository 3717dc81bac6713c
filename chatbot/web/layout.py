"""Server-rendered pages for staff: one layout, escaped values, no external resource."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

STYLE = """
  * { box-sizing: border-box; }
  body { font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1b1b; background: #fff; }
  .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .3rem; z-index: 9; }
  header { background: #000091; color: #fff; padding: .6rem 1rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }
  header a { color: #fff; } header nav a { margin-right: 1rem; }
  main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
  h1 { font-size: 1.5rem; margin: .5rem 0 1rem; } h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
  a { color: #0b3d91; }
  form.panel { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; background: #f4f4f4; padding: .75rem; border-radius: .4rem; }
  label { display: flex; flex-direction: column; font-size: .9rem; font-weight: 600; }
  label.inline { flex-direction: row; gap: .4rem; align-items: center; }
  input, select, textarea { font: inherit; padding: .35rem .5rem; border: 1px solid #666; border-radius: .25rem; color: #1b1b1b; background: #fff; }
  textarea { min-width: min(40rem, 90vw); min-height: 4rem; }
  button, .button { font: inherit; padding: .4rem .9rem; background: #000091; color: #fff; border: 0; border-radius: .25rem; cursor: pointer; text-decoration: none; display: inline-block; }
  button.secondary { background: #fff; color: #000091; border: 1px solid #000091; }
  :focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; box-shadow: 0 0 0 5px #1b1b1b; }
  table { border-collapse: collapse; width: 100%; font-size: .92rem; }
  th, td { border-bottom: 1px solid #ccc; padding: .4rem .5rem; text-align: left; vertical-align: top; }
  th { background: #eee; }
  .answer { white-space: pre-wrap; background: #f4f4f4; padding: .75rem; border-radius: .4rem; }
  .score { font-variant-numeric: tabular-nums; }
  .risk { color: #b34000; font-weight: 600; } .ok { color: #18753c; font-weight: 600; }
  .note { color: #3a3a3a; font-size: .9rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; } dt { font-weight: 600; } dd { margin: 0; }
  pre { white-space: pre-wrap; background: #f4f4f4; padding: .5rem; font-size: .85rem; }
"""


def page(title: str, body: str, user: Any | None = None) -> str:
    """A complete page: skip link, header with navigation and account, main content."""
    account = ""
    if user is not None:
        links = []
        if user.role in ("agent", "admin"):
            links.append('<a href="/agent">Console d\'accueil</a>')
        if user.role in ("auditor", "admin"):
            links.append('<a href="/audit">Audit des réponses</a>')
            links.append('<a href="/audit/reports">Évaluations</a>')
        account = (
            f'<nav aria-label="Consoles">{"".join(links)}</nav>'
            f"<p>{escape(user.name)} ({escape(user.role)}) · "
            '<a href="/logout">Se déconnecter</a></p>'
        )
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – Guichet</title><style>{STYLE}</style></head><body>"
        '<a class="skip" href="#contenu">Aller au contenu</a>'
        f"<header><strong>Guichet</strong>{account}</header>"
        f'<main id="contenu"><h1>{escape(title)}</h1>{body}</main></body></html>'
    )


def table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table whose cells are already-escaped HTML."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    lines = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"


def score(value: float | None, risky_below: float = 0.6) -> str:
    """A score with a word, never colour alone, telling whether it is low."""
    if value is None:
        return '<span class="score">–</span>'
    label = ' <span class="risk">(faible)</span>' if value < risky_below else ""
    return f'<span class="score">{value:.2f}</span>{label}'


def options(values: Iterable[str], selected: str | None, empty: str) -> str:
    """<option> elements for a select, the chosen one selected."""
    items = [f'<option value="">{escape(empty)}</option>']
    for value in values:
        chosen = " selected" if value == selected else ""
        items.append(f'<option value="{escape(value)}"{chosen}>{escape(value)}</option>')
    return "".join(items)
