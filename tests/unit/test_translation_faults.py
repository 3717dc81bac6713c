"""A translation naming a country its French sentence does not name."""

from __future__ import annotations

import pytest

from chatbot.verification.translation import swapped_country


@pytest.mark.parametrize(
    ("translation", "original", "swapped"),
    [
        ("Si pide la nacionalidad española, puede afrancesar su nombre.",
         "Si vous demandez la nationalité française, vous pouvez franciser votre nom.", "espanola"),
        ("يمكنك الحصول على جواز السفر إذا كنت من الجنسية الإسبانية",
         "Vous pouvez obtenir un passeport si vous êtes de nationalité française.", "الاسبانية"),
        ("You can get a passport if you are French.",
         "Vous pouvez obtenir un passeport si vous êtes français.", None),
        ("El formulario está en inglés.", "Le formulaire est en anglais.", None),
        ("Você pode pedir ajuda em Portugal.", "Vous pouvez demander de l'aide au Portugal.", None),
        ("If you were born in the United States, apply online.",
         "Si vous êtes né en France, faites la demande en ligne.", "united states"),
    ],
)  # fmt: skip
def test_a_country_the_french_sentence_does_not_name_is_found(
    translation: str, original: str, swapped: str | None
) -> None:
    assert swapped_country(translation, original) == swapped
