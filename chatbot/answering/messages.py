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
# Declines of the safety policy (chatbot/safety): one lead per reason, then the contact.
_POLITICAL = {
    "fr": "Je ne donne pas d'avis sur les élus, les partis ou les candidats, ni de consigne de "
    "vote. Je peux vous renseigner sur l'inscription sur les listes électorales, les procurations, "
    "les bureaux de vote ou les séances du conseil.",
    "en": "I do not give opinions on elected officials, parties or candidates, nor voting advice. "
    "I can help with registering to vote, proxy voting, polling stations or council meetings.",
    "es": "No doy opiniones sobre cargos electos, partidos o candidatos, ni consignas de voto. "
    "Puedo informarle sobre la inscripción en el censo electoral, el voto por poder o los "
    "colegios electorales.",
    "de": "Ich äußere mich nicht zu Gewählten, Parteien oder Kandidaten und gebe keine "
    "Wahlempfehlung. Ich helfe gern bei Wählerverzeichnis, Briefwahl-Vollmacht oder Wahllokalen.",
    "it": "Non esprimo opinioni su eletti, partiti o candidati, né indicazioni di voto. Posso "
    "informarla sull'iscrizione alle liste elettorali, la delega o i seggi.",
    "pt": "Não dou opiniões sobre eleitos, partidos ou candidatos, nem indicações de voto. Posso "
    "informar sobre a inscrição eleitoral, o voto por procuração ou as assembleias de voto.",
    "nl": "Ik geef geen mening over verkozenen, partijen of kandidaten en geen stemadvies. Ik help "
    "graag met inschrijving als kiezer, stemmen bij volmacht of stembureaus.",
    "ar": "لا أبدي رأياً في المنتخبين أو الأحزاب أو المرشحين، ولا أقدم توصيات بالتصويت. يمكنني "
    "إرشادك حول التسجيل في القوائم الانتخابية والتصويت بالوكالة ومكاتب الاقتراع.",
}
_PERSONAL_DATA = {
    "fr": "Je ne communique aucune information sur une personne (adresse, téléphone, courriel, "
    "situation) : ces données sont protégées.",
    "en": "I do not share any information about a person (address, phone, e-mail, situation): "
    "such data is protected.",
    "es": "No comunico ninguna información sobre una persona (dirección, teléfono, correo, "
    "situación): esos datos están protegidos.",
    "de": "Ich gebe keine Auskunft über Personen (Adresse, Telefon, E-Mail, persönliche Lage): "
    "diese Daten sind geschützt.",
    "it": "Non comunico informazioni su una persona (indirizzo, telefono, e-mail, situazione): "
    "questi dati sono protetti.",
    "pt": "Não comunico informações sobre uma pessoa (morada, telefone, e-mail, situação): esses "
    "dados estão protegidos.",
    "nl": "Ik geef geen informatie over personen (adres, telefoon, e-mail, situatie): die gegevens "
    "zijn beschermd.",
    "ar": "لا أقدم أي معلومات عن أي شخص (العنوان أو الهاتف أو البريد الإلكتروني أو وضعه): هذه "
    "البيانات محمية.",
}
_PERSONAL_ADVICE = {
    "fr": "Je ne peux pas donner de conseil sur une situation personnelle : {referral}",
    "en": "I cannot give advice on a personal situation: {referral}",
    "es": "No puedo aconsejar sobre una situación personal: {referral}",
    "de": "Zu einer persönlichen Situation kann ich nicht beraten: {referral}",
    "it": "Non posso dare consigli su una situazione personale: {referral}",
    "pt": "Não posso aconselhar sobre uma situação pessoal: {referral}",
    "nl": "Ik kan geen advies geven over een persoonlijke situatie: {referral}",
    "ar": "لا يمكنني تقديم نصيحة بشأن وضع شخصي: {referral}",
}
_REFERRALS = {
    "medical": {
        "fr": "parlez-en à votre médecin ou à votre pharmacien ; en cas d'urgence, appelez le 15 "
        "ou le 112.",
        "en": "please ask your doctor or pharmacist; in an emergency, call 15 or 112.",
        "es": "consulte a su médico o farmacéutico; en caso de urgencia, llame al 15 o al 112.",
        "de": "fragen Sie Ihren Arzt oder Apotheker; im Notfall rufen Sie 15 oder 112 an.",
        "it": "si rivolga al suo medico o farmacista; in caso di urgenza chiami il 15 o il 112.",
        "pt": "fale com o seu médico ou farmacêutico; em caso de urgência, ligue 15 ou 112.",
        "nl": "vraag het uw arts of apotheker; bel in een noodgeval 15 of 112.",
        "ar": "استشر طبيبك أو الصيدلي؛ وفي حالة الطوارئ اتصل بالرقم 15 أو 112.",
    },
    "legal": {
        "fr": "un point-justice ou une maison de justice et du droit vous conseille gratuitement ; "
        "pour le logement, l'ADIL (agence départementale d'information sur le logement).",
        "en": "a point-justice or maison de justice et du droit gives free legal advice; for "
        "housing, the ADIL (departmental housing information agency).",
        "es": "un point-justice o una maison de justice et du droit le asesora gratuitamente; "
        "para la vivienda, la ADIL.",
        "de": "ein Point-justice oder eine Maison de justice et du droit berät Sie kostenlos; "
        "zum Wohnen die ADIL.",
        "it": "un point-justice o una maison de justice et du droit la consiglia gratuitamente; "
        "per l'alloggio, l'ADIL.",
        "pt": "um point-justice ou uma maison de justice et du droit aconselha gratuitamente; "
        "para a habitação, a ADIL.",
        "nl": "een point-justice of maison de justice et du droit geeft gratis juridisch advies; "
        "voor huisvesting de ADIL.",
        "ar": "يقدم لك point-justice أو maison de justice et du droit استشارة قانونية مجانية؛ "
        "ولشؤون السكن وكالة ADIL.",
    },
    "tax": {
        "fr": "votre centre des finances publiques vous répond, notamment par la messagerie "
        "sécurisée de votre espace sur impots.gouv.fr.",
        "en": "your public finance centre (centre des finances publiques) can answer, including "
        "through the secure messaging of your account on impots.gouv.fr.",
        "es": "su centro de finanzas públicas le responde, también por la mensajería segura de "
        "su espacio en impots.gouv.fr.",
        "de": "Ihr Finanzamt (centre des finances publiques) antwortet Ihnen, auch über die "
        "sichere Nachrichtenfunktion auf impots.gouv.fr.",
        "it": "il suo centre des finances publiques le risponde, anche tramite la messaggistica "
        "sicura del suo spazio su impots.gouv.fr.",
        "pt": "o seu centre des finances publiques responde-lhe, também pela mensagem segura do "
        "seu espaço em impots.gouv.fr.",
        "nl": "uw belastingkantoor (centre des finances publiques) helpt u, ook via de beveiligde "
        "berichten van uw account op impots.gouv.fr.",
        "ar": "يجيبك مركز المالية العامة التابع لك، بما في ذلك عبر المراسلة الآمنة في حسابك على "
        "impots.gouv.fr.",
    },
    "general": {
        "fr": "adressez-vous à un professionnel (médecin, point-justice, centre des finances "
        "publiques).",
        "en": "please ask a professional (doctor, point-justice, public finance centre).",
        "es": "diríjase a un profesional (médico, point-justice, centro de finanzas públicas).",
        "de": "wenden Sie sich an eine Fachperson (Arzt, Point-justice, Finanzamt).",
        "it": "si rivolga a un professionista (medico, point-justice, centre des finances "
        "publiques).",
        "pt": "dirija-se a um profissional (médico, point-justice, centre des finances publiques).",
        "nl": "wend u tot een deskundige (arts, point-justice, belastingkantoor).",
        "ar": "توجه إلى مختص (طبيب، point-justice، مركز المالية العامة).",
    },
}
_LEADS = {
    "out_of_scope": _OUT_OF_SCOPE,
    "political": _POLITICAL,
    "personal_data": _PERSONAL_DATA,
    "personal_advice": _PERSONAL_ADVICE,
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


def decline_message(
    reason: str, language: str, authority: str, contact: Contact, referral: str = ""
) -> str:
    """The polite fixed answer when the bot declines, with the contact to reach.

    `referral` ("medical", "legal" or "tax", the safety decision's detail) names the service a
    "personal_advice" decline points to.
    """
    table = _LEADS.get(reason, _NO_ANSWER)
    referrals = _REFERRALS.get(referral, _REFERRALS["general"])
    where = referrals.get(language, referrals["en"])
    lead = table.get(language, table["en"]).format(authority=authority, referral=where)
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
