"""The widget bundle and the demo page (the browser tests drive them for real)."""

from __future__ import annotations

import json

from chatbot.web.pages import demo_page, languages, widget_script


def test_every_language_has_every_text_of_the_french_file() -> None:
    bundles = languages()
    assert {"fr", "en"} <= set(bundles)
    for texts in bundles.values():
        assert set(texts) >= set(bundles["fr"]) and all(texts.values())


def test_the_widget_script_carries_its_languages_and_calls_nothing_at_load() -> None:
    script = widget_script()
    assert "__GUICHET_I18N__" not in script
    bundle = script.split("const I18N = ", 1)[1].split(";\n", 1)[0]
    assert json.loads(bundle)["en"]["send"] == "Send"
    load_path = script.split("if (document.body) build();", 1)[0].split("function build()", 1)[1]
    assert "fetch(" not in load_path.split("function open()", 1)[0]  # build() fetches nothing
    for storage in ("localStorage", "sessionStorage", "document.cookie", "indexedDB"):
        assert storage not in script


def test_the_demo_page_follows_the_language_asked() -> None:
    assert '<html lang="fr">' in demo_page("fr") and '<script src="/widget.js"' in demo_page("fr")
    assert '<html lang="en">' in demo_page("en")
    assert '<html lang="fr">' in demo_page("<script>")  # unknown: French, never echoed
    assert "&lt;script&gt; element" in demo_page("en")
