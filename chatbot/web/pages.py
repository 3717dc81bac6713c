"""The widget script with its languages bundled, and the demo page that embeds it."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import cache
from importlib import resources

DEMO_TEXTS = {
    "fr": {
        "__TITLE__": "Démonstration – Guichet, l'assistant de l'agglomération",
        "__SITE__": "Communauté d'agglomération Paris-Saclay (page de démonstration)",
        "__HEADING__": "Une question sur vos démarches ?",
        "__INTRO__": "Cette page montre l'assistant tel qu'il apparaît sur un site de la "
        "collectivité : un seul élément <script> l'ajoute.",
        "__HOWTO__": "Ouvrez-le avec le bouton « Guichet » en bas à droite. Il répond à partir "
        "des documents publiés par l'agglomération, avec leurs sources.",
        "__HEALTH__": "état du service",
        "__OTHER__": "English",
        "__OTHER_HREF__": "/?lang=en",
        "__OTHER_LANG__": "en",
    },
    "en": {
        "__TITLE__": "Demo – Guichet, the local authority's assistant",
        "__SITE__": "Paris-Saclay agglomeration (demo page)",
        "__HEADING__": "A question about your formalities?",
        "__INTRO__": "This page shows the assistant as it appears on one of the authority's "
        "sites: a single <script> element adds it.",
        "__HOWTO__": "Open it with the “Guichet” button at the bottom right. It answers from the "
        "documents the authority publishes, with their sources.",
        "__HEALTH__": "service status",
        "__OTHER__": "Français",
        "__OTHER_HREF__": "/?lang=fr",
        "__OTHER_LANG__": "fr",
    },
}


def _web_file(name: str) -> str:
    return resources.files("chatbot.web").joinpath(name).read_text(encoding="utf-8")


@cache
def languages() -> dict[str, dict[str, str]]:
    """Every interface language of the widget: one JSON file per language in web/i18n."""
    folder = resources.files("chatbot.web").joinpath("i18n")
    bundles = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            bundles[entry.name.removesuffix(".json")] = json.loads(entry.read_text("utf-8"))
    missing = {lang: set(bundles["fr"]) - set(texts) for lang, texts in bundles.items()}
    incomplete = {lang: sorted(keys) for lang, keys in missing.items() if keys}
    if incomplete:
        raise ValueError(f"widget translations miss keys: {incomplete}")
    return bundles


@cache
def widget_script() -> str:
    """widget.js with the languages inlined."""
    bundle = json.dumps(languages(), ensure_ascii=False).replace("</", "<\\/")
    return _web_file("widget.js").replace("__GUICHET_I18N__", bundle)


def demo_page(lang: str) -> str:
    """The demo page in French or English."""
    texts = DEMO_TEXTS.get(lang, DEMO_TEXTS["fr"])
    page = _web_file("demo.html").replace("__LANG__", lang if lang in DEMO_TEXTS else "fr")
    for key, value in texts.items():
        page = page.replace(key, html.escape(value))
    return page


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def demo_style_hashes() -> tuple[str, ...]:
    """CSP hashes of the inline styles the demo page needs (its own <style> and the widget's
    shadow-DOM stylesheet in the default colour), so that its policy needs no 'unsafe-inline'."""
    page = _web_file("demo.html")
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    widget = _web_file("widget.js")
    css = re.search(r"const CSS = `(.*?)`;", widget, re.S)
    if css:
        styles.append(css.group(1).replace("${color}", "#000091"))
    return tuple(_csp_hash(style) for style in styles)
