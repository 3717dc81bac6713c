"""Fixed emergency answers: the right French emergency numbers per situation, in the resident's
language, given before anything else (no retrieval, no model), and the words (French, English,
Spanish, Portuguese, Arabic, German, Italian) that recognise each situation.

The numbers are national and free: 15 SAMU, 17 police, 18 sapeurs-pompiers, 112 European
emergency number, 114 by SMS (deaf or hard-of-hearing people, or when speaking is dangerous),
3114 suicide prevention, 3919 violence against women, 119 children in danger; the gas-safety
line of GRDF for a gas leak.
"""

from __future__ import annotations

from typing import Literal

Situation = Literal[
    "medical", "suicide", "violence", "domestic_violence", "child", "fire", "gas", "drowning",
    "generic",
]  # fmt: skip
SITUATIONS: tuple[Situation, ...] = (
    "medical", "suicide", "violence", "domestic_violence", "child", "fire", "gas", "drowning",
    "generic",
)  # fmt: skip
EMERGENCY_LANGUAGES = ("fr", "en", "es", "pt", "ar", "de", "it", "nl")

# The numbers to give, most relevant first; 112 and 114 close every list.
NUMBERS: dict[Situation, tuple[str, ...]] = {
    "medical": ("15", "112", "114"),
    "suicide": ("3114", "15", "112", "114"),
    "violence": ("17", "112", "114"),
    "domestic_violence": ("17", "3919", "112", "114"),
    "child": ("119", "17", "112", "114"),
    "fire": ("18", "112", "114"),
    "gas": ("18", "0 800 47 33 33", "112", "114"),
    "drowning": ("18", "15", "112", "114"),
    "generic": ("112", "15", "17", "18", "114"),
}

# The words that recognise each situation (matched on folded text by `rules`).
PATTERNS: list[tuple[str, str, str]] = [
    ("suicide", "suicide", r"suicid|\b(veux|vais|voudrais|pense a|envie de|je) me (tuer|pendre|jeter sous|foutre en l'air)|(en finir|mettre fin) (avec|à) (la|ma) vie"
     r"|envie de mourir|veux mourir|plus envie de vivre|me faire du mal|me scarifi|kill myself|end my life"
     r"|want to die|wanna die|hurt myself|self[- ]harm|no reason to live|quitarme la vida|quiero morir"
     r"|me quiero matar|quiero matarme|(quero|vou) me matar|quero morrer|tirar a minha vida|انتحر|انتحار|اقتل نفسي|اريد ان اموت"
     r"|umbringen|nicht mehr leben|will sterben|togliermi la vita|voglio morire|farla finita"),
    ("domestic", "domestic_violence", r"\b(mon|my|mi|meu|o meu) (mari|conjoint|compagnon|ex|copain|husband|boyfriend"
     r"|partner|marido|esposo|novio|companheiro|namorado)\b.{0,30}\b(frapp|bat|battu|violent|menac|hits?\b|beat"
     r"|threat|pega|golpea|bate|bateu|agrid|amea)|violences? conjugales? (chez moi|en ce moment|ce soir)"
     r"|زوجي يضربني|mein mann schlagt|mio marito mi picchia"),
    ("child", "child", r"^(?!.*\b(juge|judge|tribunal|loi|law|procedure)\b).*\b(enfant|bebe|fille|fils|gamin|child|kid|baby|niño|niña|bebé|hijo|hija|criança|menino|menina|filho|filha)s?\b"
     r".{0,40}\b(en danger|battu|maltrait|frapp|abus|viol|in danger|being (abused|beaten|hit)|abused"
     r"|en peligro|maltratad|golpead|pegando|em perigo|espancad|agredid|batendo|hitting|beating)|\bmaltraitance\b.{0,30}\b(voisin|chez|en ce moment)"
     r"|\b(pegando|golpeando|maltratando|batendo|espancando|frappe|bat|hitting|beating|abusing)\b.{0,20}"
     r"\b(hijo|hija|niño|niña|filho|filha|enfant|fils|fille|child|kid|son|daughter)s?\b|طفل في خطر|kind in gefahr|bambino in pericolo"),
    ("violence", "violence", r"\b(me|nous|m'a|nous a|m'ont) (frapp\w*|bat\b|battent|agress\w*|menace de mort|menace (avec|d'un)|poignard\w*)|on m'agresse"
     r"|je (suis|me fais) agress|(va|veut) me tuer|quelqu'un (essaie|tente) d'entrer|un cambrioleur (est )?(chez|dans)"
     r"|(is|are) (hitting|beating|attacking) me|threaten(s|ing)? to kill|someone is breaking in|being attacked"
     r"|me (esta )?(pegando|golpeando|atacando)|me quiere matar|me (esta a )?agredir|quer me matar|يضربني|يهددني بالقتل"
     r"|schlagt mich|bedroht mich|mi picchia|mi minaccia"),
    ("fire", "fire", r"\b(il y a|y a) (le|un) feu\b|\bau feu\b|\ben feu\b|incendie (chez|dans|en cours|a cote|au)"
     r"|(maison|appartement|immeuble|cuisine|voiture) (qui )?brule|\bon fire\b|there'?s a fire|a fire in"
     r"|(hay un )?incendio en|\bfuego en\b|esta ardiendo|pegando fogo|esta a arder|incendio (em|no|na)"
     r"|\ben flammes\b|(prend|a pris) feu|\bin flames\b|caught fire|en llamas|em chamas|\bحريق|es brennt|\bbrennt\b|\bfeuer in\b|c'e un incendio|\ba fuoco\b|brand in"),
    ("gas", "gas", r"(fuite|odeur) de gaz|sent le gaz|gas leak|smell(s)? (of )?gas|fuga de gas|olor a gas"
     r"|(fuga|vazamento|cheiro) de gas|تسرب (ال)?غاز|رائحة (ال)?غاز|gasleck|riecht nach gas|fuga di gas"
     r"|odore di gas"),
    ("drowning", "drowning", r"\bse noie\b|en train de se noyer|est tombe (a|dans) l'eau|drowning|se (esta )?ahogando"
     r"|(esta a )?afogar|afogando|يغرق|ertrinkt|sta annegando|\bannega\b"),
    ("medical", "medical", r"(douleur|mal)\b.{0,25}\b(a|dans|de) la poitrine|crise cardiaque|infarctus|arret cardiaque"
     r"|(ne|n') ?respire (plus|pas|mal)|(n'arrive|arrive|peux|parviens) (plus|pas) a respirer|du mal a respirer"
     r"|s'etouffe|etouffe\b|inconscient|evanoui|ne se reveille pas|\bavc\b|convuls|overdose|hemorragi|saigne beaucoup"
     r"|choc anaphylactique|a avale (des|du|un|une|de la)|chest pain|pain in (my|his|her|the) chest|heart attack"
     r"|can'?t breathe|cannot breathe|trouble breathing|not breathing|short of breath|unconscious|passed out"
     r"|having a stroke|choking|seizure|bleeding (heavily|a lot)|dolor\b.{0,20}\b(en el|de) pecho|no puedo respirar"
     r"|no respira|ataque (al corazon|cardiaco)|inconsciente|desmay|\bdor\b.{0,20}\bno peito|nao consigo respirar|desmaiou"
     r"|ألم في الصدر|الم في الصدر|لا استطيع التنفس|نوبة قلبية|فقد الوعي|brustschmerz|keine luft|herzinfarkt"
     r"|bewusstlos|(visage|bouche) (paralyse|de travers|qui tombe)|ne (peut|arrive) plus (a )?parler"
     r"|face (is )?droop|can'?t (talk|speak) properly|slurred speech|cara (paralizada|torcida)|dolore al petto|non riesco a respirare|svenut|urgence vitale"),
]  # fmt: skip

_LABELS: dict[str, dict[str, str]] = {
    "fr": {"15": "SAMU, urgence médicale", "17": "police secours", "18": "sapeurs-pompiers",
           "112": "numéro d'urgence européen", "114": "par SMS, pour les personnes sourdes ou "
           "malentendantes ou si vous ne pouvez pas parler", "3114": "prévention du suicide, "
           "24 h/24, gratuit", "3919": "violences faites aux femmes, gratuit et anonyme",
           "119": "enfance en danger, 24 h/24, gratuit",
           "0 800 47 33 33": "Urgence sécurité gaz (GRDF), gratuit"},
    "en": {"15": "SAMU, medical emergency", "17": "police", "18": "fire brigade",
           "112": "European emergency number", "114": "by text message, for deaf or "
           "hard-of-hearing people or if you cannot speak", "3114": "suicide prevention, "
           "24/7, free", "3919": "violence against women, free and anonymous",
           "119": "children in danger, 24/7, free",
           "0 800 47 33 33": "gas emergency line (GRDF), free"},
    "es": {"15": "SAMU, urgencia médica", "17": "policía", "18": "bomberos",
           "112": "número de emergencia europeo", "114": "por SMS, para personas sordas o con "
           "dificultades auditivas o si no puede hablar", "3114": "prevención del suicidio, "
           "24 h, gratuito", "3919": "violencia contra las mujeres, gratuito y anónimo",
           "119": "infancia en peligro, 24 h, gratuito",
           "0 800 47 33 33": "urgencias de gas (GRDF), gratuito"},
    "pt": {"15": "SAMU, urgência médica", "17": "polícia", "18": "bombeiros",
           "112": "número de emergência europeu", "114": "por SMS, para pessoas surdas ou com "
           "deficiência auditiva ou se não puder falar", "3114": "prevenção do suicídio, "
           "24 h, gratuito", "3919": "violência contra as mulheres, gratuito e anónimo",
           "119": "infância em perigo, 24 h, gratuito",
           "0 800 47 33 33": "emergência de gás (GRDF), gratuito"},
    "ar": {"15": "الإسعاف الطبي (SAMU)", "17": "الشرطة", "18": "الحماية المدنية (رجال الإطفاء)",
           "112": "رقم الطوارئ الأوروبي", "114": "برسالة نصية، للصم وضعاف السمع أو إذا لم "
           "تستطع الكلام", "3114": "الوقاية من الانتحار، على مدار الساعة، مجاني",
           "3919": "العنف ضد النساء، مجاني ومجهول الهوية", "119": "الأطفال في خطر، مجاني",
           "0 800 47 33 33": "طوارئ الغاز (GRDF)، مجاني"},
    "de": {"15": "SAMU, medizinischer Notfall", "17": "Polizei", "18": "Feuerwehr",
           "112": "europäische Notrufnummer", "114": "per SMS, für gehörlose oder "
           "schwerhörige Menschen oder wenn Sie nicht sprechen können", "3114":
           "Suizidprävention, rund um die Uhr, kostenlos", "3919": "Gewalt gegen Frauen, "
           "kostenlos und anonym", "119": "Kinder in Gefahr, rund um die Uhr, kostenlos",
           "0 800 47 33 33": "Gas-Notdienst (GRDF), kostenlos"},
    "it": {"15": "SAMU, emergenza medica", "17": "polizia", "18": "vigili del fuoco",
           "112": "numero di emergenza europeo", "114": "via SMS, per persone sorde o con "
           "problemi di udito o se non può parlare", "3114": "prevenzione del suicidio, "
           "24 ore su 24, gratuito", "3919": "violenza contro le donne, gratuito e anonimo",
           "119": "infanzia in pericolo, 24 ore su 24, gratuito",
           "0 800 47 33 33": "emergenza gas (GRDF), gratuito"},
    "nl": {"15": "SAMU, medisch noodgeval", "17": "politie", "18": "brandweer",
           "112": "Europees alarmnummer", "114": "per sms, voor doven en slechthorenden of als "
           "u niet kunt spreken", "3114": "zelfmoordpreventie, dag en nacht, gratis",
           "3919": "geweld tegen vrouwen, gratis en anoniem", "119": "kinderen in gevaar, gratis",
           "0 800 47 33 33": "gasnoodlijn (GRDF), gratis"},
}  # fmt: skip

_LEAD = {
    "fr": "Si vous ou quelqu'un est en danger, appelez immédiatement les secours :",
    "en": "If you or someone else is in danger, call the emergency services now:",
    "es": "Si usted u otra persona está en peligro, llame ahora mismo a emergencias:",
    "pt": "Se você ou outra pessoa estiver em perigo, ligue já para os serviços de emergência:",
    "ar": "إذا كنت أنت أو شخص آخر في خطر، اتصل فوراً بخدمات الطوارئ:",
    "de": "Wenn Sie oder jemand anderes in Gefahr sind, rufen Sie sofort den Notruf an:",
    "it": "Se lei o un'altra persona siete in pericolo, chiami subito i soccorsi:",
    "nl": "Als u of iemand anders in gevaar is, bel dan nu de hulpdiensten:",
}
_SUICIDE_LEAD = {
    "fr": "Vous n'êtes pas seul·e. Parlez-en maintenant à quelqu'un qui peut vous aider :",
    "en": "You are not alone. Talk now to someone who can help you:",
    "es": "No está solo/a. Hable ahora con alguien que pueda ayudarle:",
    "pt": "Não está sozinho/a. Fale agora com alguém que o/a pode ajudar:",
    "ar": "لست وحدك. تحدث الآن مع شخص يمكنه مساعدتك:",
    "de": "Sie sind nicht allein. Sprechen Sie jetzt mit jemandem, der Ihnen helfen kann:",
    "it": "Non è solo/a. Parli subito con qualcuno che può aiutarla:",
    "nl": "U staat er niet alleen voor. Praat nu met iemand die u kan helpen:",
}
_GAS_ADVICE = {
    "fr": "Sortez du logement sans toucher aux interrupteurs ni allumer de flamme, puis appelez.",
    "en": "Leave the building without touching switches or lighting anything, then call.",
    "es": "Salga de la vivienda sin tocar interruptores ni encender fuego, y luego llame.",
    "pt": "Saia da habitação sem tocar em interruptores nem acender chamas, e depois ligue.",
    "ar": "اخرج من المسكن دون لمس مفاتيح الكهرباء أو إشعال أي لهب، ثم اتصل.",
    "de": "Verlassen Sie die Wohnung, ohne Schalter zu betätigen oder Feuer zu machen, dann rufen Sie an.",
    "it": "Esca dall'abitazione senza toccare interruttori né accendere fiamme, poi chiami.",
    "nl": "Verlaat de woning zonder schakelaars aan te raken of vuur te maken, en bel dan.",
}
_FOOTER = {
    "fr": "Je suis un assistant automatique : je ne peux pas prévenir les secours à votre place.",
    "en": "I am an automated assistant: I cannot alert the emergency services for you.",
    "es": "Soy un asistente automático: no puedo avisar a los servicios de emergencia por usted.",
    "pt": "Sou um assistente automático: não posso alertar os serviços de emergência por si.",
    "ar": "أنا مساعد آلي: لا أستطيع إبلاغ خدمات الطوارئ نيابة عنك.",
    "de": "Ich bin ein automatischer Assistent: Ich kann den Notruf nicht für Sie verständigen.",
    "it": "Sono un assistente automatico: non posso avvisare i soccorsi al suo posto.",
    "nl": "Ik ben een automatische assistent: ik kan de hulpdiensten niet voor u waarschuwen.",
}


def emergency_answer(situation: Situation, language: str) -> str:
    """The fixed answer for a situation, in the language (French when it is not supported)."""
    lang = language if language in _LABELS else "fr"
    lead = (_SUICIDE_LEAD if situation == "suicide" else _LEAD)[lang]
    lines = [lead]
    if situation == "gas":
        lines.append(_GAS_ADVICE[lang])
    labels = _LABELS[lang]
    lines.extend(f"- {number} : {labels[number]}" for number in NUMBERS[situation])
    lines.append(_FOOTER[lang])
    return "\n".join(lines)
