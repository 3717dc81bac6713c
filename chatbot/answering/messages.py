"""Fixed messages residents read, in French first and the other supported languages."""

from __future__ import annotations

import re

from chatbot.answering.contacts import Contact

_NO_ANSWER = {
    "fr": "Je n'ai pas trouvé la réponse à votre question dans les documents de {authority}.",
    "en": "I could not find the answer to your question in the documents of {authority}.",
    "es": "No he encontrado la respuesta a su pregunta en los documentos de {authority}.",
    "de": "Ich habe die Antwort auf Ihre Frage in den Dokumenten von {authority} nicht gefunden.",
    "it": "Non ho trovato la risposta alla sua domanda nei documenti di {authority}.",
    "pt": "Não encontrei a resposta à sua pergunta nos documentos de {authority}.",
    "nl": "Ik heb het antwoord op uw vraag niet gevonden in de documenten van {authority}.",
    "ar": "لم أجد إجابة سؤالك في وثائق {authority}.",
}
_OUT_OF_SCOPE = {
    "fr": "Je réponds seulement aux questions sur les services de {authority}, à partir de ses "
    "documents publiés. Je ne donne ni opinion, ni consigne de vote, ni conseil médical ou "
    "juridique personnel.",
    "en": "I only answer questions about the services of {authority}, from its published "
    "documents. I do not give opinions, voting advice, or personal medical or legal advice.",
    "es": "Solo respondo a preguntas sobre los servicios de {authority}, a partir de sus "
    "documentos publicados. No doy opiniones, consignas de voto ni consejos médicos o jurídicos.",
    "de": "Ich beantworte nur Fragen zu den Diensten von {authority} anhand ihrer veröffentlichten "
    "Dokumente. Ich gebe keine Meinungen, Wahlempfehlungen oder medizinische oder rechtliche "
    "Beratung.",
    "it": "Rispondo solo a domande sui servizi di {authority}, in base ai suoi documenti "
    "pubblicati. Non do opinioni, indicazioni di voto né consigli medici o legali.",
    "pt": "Só respondo a perguntas sobre os serviços de {authority}, com base nos seus documentos "
    "publicados. Não dou opiniões, indicações de voto nem conselhos médicos ou jurídicos.",
    "nl": "Ik beantwoord alleen vragen over de diensten van {authority}, op basis van de "
    "gepubliceerde documenten. Ik geef geen meningen, stemadvies of medisch of juridisch advies.",
    "ar": "أجيب فقط عن الأسئلة المتعلقة بخدمات {authority} استناداً إلى وثائقها المنشورة.",
}
_CONTACT = {
    "fr": "Un agent pourra vous aider : {service}",
    "en": "A member of staff can help you: {service}",
    "es": "Un agente podrá ayudarle: {service}",
    "de": "Ein Mitarbeiter kann Ihnen helfen: {service}",
    "it": "Un operatore potrà aiutarla: {service}",
    "pt": "Um funcionário poderá ajudá-lo: {service}",
    "nl": "Een medewerker kan u helpen: {service}",
    "ar": "يمكن لموظف مساعدتك: {service}",
}


def decline_message(reason: str, language: str, authority: str, contact: Contact) -> str:
    """The polite fixed answer when the bot declines, with the contact to reach."""
    table = _OUT_OF_SCOPE if reason == "out_of_scope" else _NO_ANSWER
    lead = table.get(language, table["en"]).format(authority=authority)
    details = [contact.service]
    if contact.phone:
        details.append(f"☎ {contact.phone}")
    if contact.hours:
        details.append(contact.hours)
    if contact.url:
        details.append(contact.url)
    service = " — ".join(details)
    return f"{lead} {_CONTACT.get(language, _CONTACT['en']).format(service=service)}."


# Requests the assistant declines whatever the documents say (FR and EN wording): advice on how
# to vote, opinions, personal medical or legal advice, attempts to change the rules. Topics are not
# declined: registering to vote, proxies, eligibility or a medicine's reimbursement are public
# services the documents answer.
_OUT_OF_SCOPE_PATTERNS = [
    r"\bpour qui (je dois |dois-je |faut-il |devrais-je |je devrais )?voter\b",
    r"\b(dois-je|devrais-je|faut-il) voter (pour|contre)\b",
    r"\b(quel|quelle|quels|quelles) (candidat|parti|liste)\w* (choisir|soutenir|élire|préférer)\b",
    r"\b(meilleur|meilleure|meilleurs) (candidat|parti|liste|programme)\w*\b",
    r"\bwho (should|to|do) i vote\b", r"\b(which|best) (party|candidate)\b",
    r"\b(que penses[- ]tu|ton avis|votre avis personnel|what do you think|your opinion)\b",
    r"\b(quel|quelle|quels|quelles) (médicament|antibiotique)s?\b",
    r"\b(posologie|symptômes?|diagnostic médical|j'ai (mal|de la fièvre)|est-ce grave)\b",
    r"\b(which (medicine|medication|drug)|my symptoms|symptoms?|diagnose \w+)\b",
    r"\b(dois[- ]je porter plainte|mon avocat|should i sue|legal advice|conseil juridique)\b",
    r"\b(ignore|oublie|forget|disregard)\w* (all |tes |vos |les |your |previous |the )*"
    r"(instructions?|consignes?|règles|rules)\b",
    r"\b(system prompt|prompt système|tes règles|your rules|tes instructions)\b",
]  # fmt: skip
_SCOPE_RULES = re.compile("|".join(_OUT_OF_SCOPE_PATTERNS), re.IGNORECASE)


def is_out_of_scope(question: str) -> bool:
    """Whether a request is one the assistant declines by rule (opinions, votes, advice, jailbreaks)."""
    return bool(_SCOPE_RULES.search(question))
