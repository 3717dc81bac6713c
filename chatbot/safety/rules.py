"""Word rules for the obvious cases, in French, English, Spanish, Portuguese (and the emergencies
in Arabic, German and Italian too): they force an emergency answer, a refusal, or an answer.

Patterns are written with accents and matched on folded text (lower case, no accents, straight
apostrophes), so "Procuration", "procuración" and "procuracao" all match "procura".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.safety.emergency import PATTERNS, Situation
from chatbot.text.lexical import fold

Rules = list[tuple[str, str, re.Pattern[str]]]  # (name, detail, pattern)


@dataclass(frozen=True)
class RuleHit:
    """One rule that matched: its family, the detail it gives, and its name for the audit."""

    family: str
    detail: str
    rule: str


def normalise(text: str) -> str:
    """Folded text with straight apostrophes and single spaces."""
    text = text.replace("’", "'").replace("`", "'")
    return " ".join(fold(text).split())


def _compile(table: list[tuple[str, str, str]]) -> Rules:
    return [(name, detail, re.compile(fold(pattern))) for name, detail, pattern in table]


_EMERGENCY = _compile(PATTERNS)

# Public-service topics next to the refused ones: they are answered, unless a refusal rule matched.
_ANSWER = _compile([
    ("elections", "elections", r"procura|inscri\w* (sur|dans|en|a) (les |la |une )?listes? electora|liste electorale"
     r"|registe?r(ed)? to vote|voter registration|bureaux? de (vote|voto)|polling (station|place)|carte electorale"
     r"|eligib|\bproxy\b|cadernos eleitorais|censo electoral|listas? electorales|electoral (roll|register)|seccion electoral|mesa electoral|assembleia de voto|recenseamento eleitoral"
     r"|qui peut (etre candidat|voter)|who can (vote|stand)|vote par correspondance"),
    ("council", "council", r"\bqui est (le|la|l') ?(maire|president|presidente|depute|deputee|adjoint|adjointe)"
     r"|who is the (mayor|president)|quien es el alcalde|quem e o presidente|permanence|office hours|conseil (municipal|communautaire)|council meeting"
     r"|deliber|ordre du jour|compte[- ]rendu|proces[- ]verbal|pleno municipal|sesion del pleno"
     r"|reuniao da camara|assembleia municipal"),
    ("procedure", "procedure", r"rembours|reimburs|comment (declarer|faire sa declaration)|how (do i|to) declare"
     r"|qu'est-ce que (l'apl|la caf|le rsa|la taxe)|date limite|deadline|quand (faut-il )?payer|\bapl\b|tr[eê]ve hivernale|aide juridictionnelle"
     r"|point[- ]justice|maison de justice|\badil\b|carte vitale|mutuelle|medecin traitant"),
])  # fmt: skip

_TARGET = (r"(\bmaire\b|conseil (municipal|communautaire|d'agglomeration)|council\b|mayor|alcalde|prefeito|presidente da camara|adjoint|\belue?s?\b|conseill\w+ municipa\w*"
           r"|depute|senat\w*|candidat\w*|parti\b|partis\b|party|parties|partido|majorite|opposition"
           r"|gouvernement|government|gobierno|governo|president|ministre|minister|politi\w+|la gauche"
           r"|la droite|extreme|\brn\b|\blfi\b|insoumis|rassemblement national|republicains|renaissance"
           r"|ecologistes|\beelv\b|reconquete|socialiste|macron|le pen|melenchon|zemmour|رئيس البلدية"
           r"|الحزب|الاحزاب|المرشح|الانتخابات)")  # fmt: skip
_JUDGEMENT = (
    r"(ger\w* (bien|mal|correctement)|(bien|mal) ger|manag\w* (well|badly|poorly)|gestiona (bien|mal)"
    r"|echec|failure|fracaso|fracasso|ruin|incompetent|competent\b(?! pour| en matiere| to| para)|corrompu|corrupt|nul\b|nulle\b|bon maire"
    r"|menteur|liar|malhonnete|honnete|dishonest|honest|bon travail|good job|bad job|fait du bien"
    r"|dangereu|dangerous|extremist|raciste|racist|merite|deserve|a raison|right or wrong"
    r"|trustworthy|de confiance|corrupto|incompetente|ladron|ladrao|competente(?! para)|fainean|lazy"
    r"|vol(e|eur)s? l'argent|fasciste|gauchiste|facho|فاسد|سيئ|فاشل)"
)
_OPINION = (
    r"(que pens|qu'en pens|qu'est-ce que tu pens|tu trouves|tu crois que|tu estimes|do you find|do you feel"
    r"|te parece|achas que|ton avis|votre avis|ton opinion|ton ressenti"
    r"|ta position|tu preferes|tu soutiens|tu aimes|what do you think|your (opinion|view|take)"
    r"|do you (like|support|prefer)|que piensas|que opinas|tu opinion|su opinion|o que (voce )?acha"
    r"|o que pensa|sua opiniao|a tua opiniao|ما رايك|ما هو رايك|رايك في)"
)
_WRAPPER = (
    r"(imagine|fais comme si|fait comme si|fais semblant|joue le role|role[- ]?play|pretend"
    r"|act as if|entre nous|sois honnete|soyons honnetes|franchement|be honest|honestly|off the record"
    r"|hypothetiquement|hypothetically|si tu devais|if you had to|si tu etais|if you were"
    r"|en confidence|personne ne (le )?saura|nobody will know|sincerement|entre nosotros|se fosses"
    r"|si fueras|finge|imagina|cá entre nós|sinceramente|هل يمكنك ان تتخيل|تخيل)"
)
_VOTE = (
    r"(voterais|voterait|voterai|voter pour|vote for|would vote|votarias|votaria|pour qui|for whom"
    r"|who (would|should|to)|em quem|por quien|quel (candidat|parti)|which (party|candidate)|انتخب|اصوت)"
)

_POLITICAL = _compile([
    ("vote_advice", "voting", r"pour qui\b.{0,30}\bvot|\braisons? de (ne pas )?voter|reasons? (not )?to vote|(dois|devrais|faut|conseilles?|recommandes?)[- ]?(je|il|tu)?"
     r"( me)? (de )?voter (pour|contre)|(quel|quelle|quels|quelles) (candidat|parti|liste|programme)\w* (choisir|soutenir"
     r"|elire|preferer|est le meilleur|est la meilleure|vaut|merite)|who (should|do|would|to) (i |you |we )?vote"
     r"|should (i|we) vote (for|against)|(which|what) (party|candidate|list) (should|to|is best|do you)"
     r"|por quien (debo |deberia |tengo que |hay que )?vot|a quien (debo |deberia )?votar|em quem (devo |deveria )?vot"
     r"|(lim|لمن) ?(يجب ان )?اصوت|من (يجب|ينبغي) ان انتخب"),
    ("best_worst", "opinion", r"\b(meilleur|meilleure|pire|best|worst|better|mejor|peor|melhor|pior|bon|bonne|mauvais"
     r"|mauvaise|good|bad|buen|bueno|mal|malo|bom|mau)s? (candidat|parti|liste|programme|maire|elu|president|party"
     r"|candidate|mayor|alcalde|partido|prefeito|presidente)|\b(maire|mayor|alcalde|prefeito|elu|president|candidat"
     r"|parti|party|partido)\b.{0,40}\b(est|is|es|e)( un| una| uma| a)? (bon|mauvais|good|bad|bueno|malo|bom|mau)\b"),
    ("opinion_target", "opinion", _OPINION + r".{0,60}" + _TARGET + "|" + _TARGET + r".{0,60}" + _OPINION),
    ("judgement_target", "opinion", _TARGET + r".{0,50}" + _JUDGEMENT + "|" + _JUDGEMENT + r".{0,40}" + _TARGET),
    ("wrapper_politics", "role_play", _WRAPPER + r".{0,120}(" + _TARGET + "|" + _VOTE + ")|(" + _TARGET + "|"
     + _VOTE + r").{0,120}" + _WRAPPER),
])  # fmt: skip

_ATTRIBUTE = (
    r"(adresse|address|direccion|endereco|telephone|phone|telefono|telefone|numero|number"
    r"|portable|mobile|mail|courriel|correo|habite|domicile|\bvit\b|lives?\b|vive|mora\b|situation"
    r"|revenus?|salaire|salary|income|dettes?|debts?|casier|criminal record|malade|sante|health"
    r"|dossier|file\b|aides?|rsa\b|benefits|touche|percoit|divorc|date de naissance|birth|s'appelle"
    r"|son nom|travaille (ou|a|chez)|where (he|she) works|his name|her name"
    r"|ingresos|sueldo|salario|rendimento)"
)
_RELATION = (
    r"\b(mon|ma|mes|my|mi|mis|meu|minha|o meu|a minha) (voisin|voisine|voisins|ex|collegue|locataire"
    r"|neighbou?r|colleague|tenant|vecin[oa]|colega|vizinh[oa]|inquilin[oa])s?\b"
)
_PERSONAL_DATA = _compile([
    ("relation_attribute", "private_person", _RELATION + r".{0,60}" + _ATTRIBUTE + "|" + _ATTRIBUTE
     + r".{0,40}" + _RELATION),
    ("who_lives_at", "private_person", r"qui (habite|vit|demeure|loge)s? (au|a|dans|rue)|who lives (at|in|on)"
     r"|quien vive en|quem mora n|liste des (habitants|beneficiaires|allocataires|personnes) (qui|du|de la|de)"),
])  # fmt: skip
_INSTITUTION = (
    r"(?:Sécurité|Securite|Pôle|Pole|France|Paris|Saclay|Service|Caisse|Allocations|Notre"
    r"|Saint|Sainte|Maison|Centre|Assurance|Espace|Point|Mairie|Hôtel|Hotel|Conseil|Office"
    r"|Agence|Direction|Relais|Mission|Ville|Communauté|Crédit|Banque|Gif|Bures|Val|Les|La|Le)\b"
)
# An honorific or a first name and a family name, written with capitals (read on the raw text).
_NAMED = re.compile(
    r"\b(?:M\.|Mr\.?|Mme|Mlle|Mrs\.?|Ms\.?|Sr\.?|Sra\.?|Dona|Herr|Frau|(?i:monsieur|madame"
    r"|mademoiselle|señora?|senhora?|senora?))\s+[A-ZÀ-Ý][\w'-]+|\b(?:habite|vit|lives|vive|mora)\s+[A-ZÀ-Ý][a-zà-ÿ]+\s+"
    r"[A-ZÀ-Ý][A-Za-zà-ÿ-]+|\b(?:de|of|d')\s*(?!" + _INSTITUTION + r")[A-ZÀ-Ý][a-zà-ÿ]+\s+"
    r"[A-ZÀ-Ý][A-Za-zà-ÿ-]+"
)
_NAMED_ATTRIBUTE = re.compile(
    fold(
        _ATTRIBUTE + r"|\bou (habite|vit)|where does|est-il|est-elle"
        r"|a-t-il|a-t-elle|touche-t|percoit|is he|is she|does he|does she|gagne|earns?|gana|ganha"
    )
)

_ADVICE = _compile([
    ("medical", "medical", r"\b(dois|puis|peux|faut|devrais|peut)[- ]?(je|il|on)? (arreter|prendre|continuer|augmenter"
     r"|diminuer|doubler|melanger|associer|changer|interrompre|reduire)\b.{0,40}\b(traitement|medicament|cachet"
     r"|comprime|pilule|antibiotique|doliprane|ibuprofene|paracetamol|insuline|antidepresseur|dose|posologie)"
     r"|\b(mon|ma|mes) (traitement|medicament|dose|ordonnance)s?\b.{0,40}\b(arreter|doubler|changer|prendre|dois)"
     r"|(quel|quelle|quels|quelles) (medicament|antibiotique|traitement|remede)s? (prendre|pour|contre|me)"
     r"|(c'est|est-ce|est ce)( que c'est)? grave\b.{0,40}(fievre|douleur|mal|plaque|bouton|rougeur|toux|saign|vomi|gonfl|tache|bosse)"
     r"|(fievre|douleur|mal |plaque|bouton|rougeur|toux|tousse|saign|vomi|gonfl|tache|bosse).{0,60}(c'est|est-ce|est ce)( que c'est)? grave"
     r"|^(?=.*(j'ai|mal\b|douleur|brulure|fievre|toux|rhume|grippe|symptome|nausee|migraine|angine|allergi|insomni"
     r"|stomach|pain|ache|cold|flu|dolor|dor\b|dores)).*(que|quoi|qu'est-ce que) (je dois|dois-je|je peux|puis-je"
     r"|je devrais|faut-il) (prendre|avaler)"
     r"|(sauter|oublier|espacer) (une |des |mes )?(prises|doses|comprimes)|what (should|can) i take\b"
     r"|(o que|que) (devo|debo|puedo|posso) tomar|(prescrit|prescribed|ordonnance|prescription|recetado|receitado)"
     r"\b.{0,60}\b(arreter|stopper|sauter|stop|skip|quit|double|doubler|dejar|parar)"
     r"|j'ai (mal|de la fievre|des douleurs|une bosse|des boutons|des vertiges)"
     r"|should i (stop|take|keep taking|double|change|mix)\b.{0,30}\b(medication|meds|medicine|treatment|pills|dose"
     r"|ibuprofen|antibiotics)|(what|which) (medicine|medication|drug|pill)s? (should|to|for|can)"
     r"|i have (a fever|pain|a headache|a rash)|my symptoms|(debo|puedo) (dejar|tomar|parar|cambiar)\b.{0,30}"
     r"\b(tratamiento|medicamento|pastilla|dosis)|(devo|posso) (parar|tomar|deixar|mudar)\b.{0,30}\b(tratamento"
     r"|remedio|medicamento|comprimido|dose)|que (medicamento|remedio) (tomo|tomar|debo)"),
    ("legal", "legal", r"\b(mon|ma|mes|notre) (proprietaire|bailleur|employeur|patron|ex|mari|femme|syndic"
     r"|agence)s? (peut|peuvent|a le droit|ont le droit|est-il en droit)|"
     r"\b(dois|devrais)[- ]?je (attaquer|poursuivre|porter plainte|saisir le tribunal|refuser de payer|ne pas payer)"
     r"|\b(puis|peux)[- ]?je (attaquer|poursuivre) (mon|ma|mes|en justice)|vais-je gagner|ai-je une chance|conseil juridique|legal advice"
     r"|mon avocat|should i sue|can i sue|can my (landlord|employer|boss|neighbou?r|ex)|is my (landlord|employer)"
     r"\b.{0,20}\b(allowed|entitled)|will i win|(mi|el) (casero|arrendador|jefe|empleador) (puede|tiene derecho)"
     r"|(o meu|meu) (senhorio|patrao|empregador) (pode|tem o direito)|puedo demandar|posso processar"),
    ("tax", "tax", r"combien (vais|dois|devrais)[- ]?je (payer|verser|devoir)\b.{0,30}\b(impot|taxe)|\bmon impot"
     r"\b.{0,30}\b(sera|va|combien)|suis-je imposable|comment (payer moins|eviter|ne pas payer|reduire mes) (d')?impot"
     r"|how much (income )?tax (will|do|should) i|how (can i|to) (pay less|avoid) tax|am i taxable"
     r"|cuanto (voy a|debo) pagar de impuesto|como pagar menos impuesto|quanto (vou|devo) pagar de imposto"
     r"|como pagar menos imposto"),
])  # fmt: skip

_ORDER = ("emergency", "political", "personal_data", "personal_advice")


def _first(rules: Rules, text: str, family: str) -> RuleHit | None:
    for name, detail, pattern in rules:
        if pattern.search(text):
            return RuleHit(family, detail, f"{family}:{name}")
    return None


_FULL_NAME = re.compile(
    r"(\S+)\s+(?!"
    + _INSTITUTION
    + r")[A-ZÀ-Ý][a-zà-ÿ]+\s+[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?\b"
)
_PRIVATE_LIFE = re.compile(
    fold(
        r"\b(habite|vit|lives?|living|vive|mora|loge|demeure|s'appelle|touche|percoit"
        r"|gagne|earns?|salaire|salary|revenus|income|malade|sick|dettes|debts|casier|portable"
        r"|mobile|cell|e-?mail|courriel|correo)\b"
    )
)
# Places named after people ("gymnase Jean Moulin", "rue Victor Hugo") are not people.
_PLACE_WORDS = set(
    fold(
        "gymnase école ecole collège college lycée lycee rue avenue place boulevard bd médiathèque "
        "mediatheque bibliothèque stade salle parc centre espace piscine résidence residence allée "
        "allee quai impasse square hôpital hopital maison théâtre theatre musée musee institut "
        "université universite cité cite quartier gare station arrêt arret ligne pont chemin route "
        "crèche creche conservatoire cinéma cinema complexe halle jardin"
    ).split()
)


def _has_full_name(raw: str) -> bool:
    for match in _FULL_NAME.finditer(raw):
        if fold(match.group(1)).strip("(«\"'") not in _PLACE_WORDS:
            return True
    return False


def _named_person(raw: str, folded: str) -> RuleHit | None:
    if _NAMED.search(raw) and _NAMED_ATTRIBUTE.search(folded):
        return RuleHit("personal_data", "private_person", "personal_data:named_person")
    if _has_full_name(raw) and _PRIVATE_LIFE.search(folded):
        return RuleHit("personal_data", "private_person", "personal_data:full_name")
    return None


def refusal_rule(text: str) -> RuleHit | None:
    """The first refusal or emergency rule that matches, most severe family first."""
    folded = normalise(text)
    return (
        _first(_EMERGENCY, folded, "emergency")
        or _first(_POLITICAL, folded, "political")
        or _first(_PERSONAL_DATA, folded, "personal_data")
        or _named_person(text, folded)
        or _first(_ADVICE, folded, "personal_advice")
    )


def answer_rule(text: str) -> RuleHit | None:
    """A public-service topic next to the refused families (elections, council, procedures)."""
    return _first(_ANSWER, normalise(text), "answer")


def emergency_situation(detail: str) -> Situation:
    """The situation named by an emergency rule's detail."""
    known: dict[str, Situation] = {
        "medical": "medical", "suicide": "suicide", "violence": "violence",
        "domestic_violence": "domestic_violence", "child": "child", "fire": "fire", "gas": "gas",
        "drowning": "drowning",
    }  # fmt: skip
    return known.get(detail, "generic")


# On the final answer: opinions, voting advice and personal advice the model may have written.
_STATED = r"(a mon avis|selon moi|personnellement|je pense que|je crois que|in my opinion|i think|i believe|en mi opinion|na minha opiniao)"
_ANSWER_SIDE = _compile([
    ("vote_advice", "voting", r"\b(votez|vote|votes) (pour|contre|for|against)\b|je (vous )?(conseille|recommande)"
     r" de voter|i (would )?(recommend|advise) (you )?(to )?vote|you should vote"),
    ("stated_opinion", "opinion", _STATED + r".{0,80}" + _TARGET),
    ("medical_advice", "medical", r"\b(arretez|doublez|cessez|vous (devriez|pouvez|devez) (arreter|doubler|cesser))"
     r" (de prendre )?(votre|vos|ce|ces|le|les) (traitement|medicament|comprime|dose)"
     r"|(stop|double) (taking )?your (medication|treatment|dose)"),
])  # fmt: skip
_ANSWER_POLITICAL = [(n, d, p) for n, d, p in _POLITICAL if n in ("judgement_target", "best_worst")]


def answer_side_rule(text: str) -> RuleHit | None:
    """A political opinion, voting advice or personal medical advice written in an answer."""
    folded = normalise(text)
    for name, detail, pattern in _ANSWER_SIDE:
        if pattern.search(folded):
            family = "personal_advice" if detail == "medical" else "political"
            return RuleHit(family, detail, f"answer:{name}")
    return _first(_ANSWER_POLITICAL, folded, "political")


_FIRST_PERSON = re.compile(
    r"(\b(je|j'|moi|mon|ma|mes|me|m'|i|i'm|i've|my|mine|yo|mi|mis|eu|meu|minha|meus|minhas|ich|mein"
    r"|meine|mir|mich|io|mio|mia|miei)\b|-je\b|-moi\b|[\u0600-\u06ff])"
)


def speaks_of_self(text: str) -> bool:
    """Whether the question speaks of the asker's own situation (or is in Arabic script, where
    the first person is a suffix): personal advice is declined only then."""
    return bool(_FIRST_PERSON.search(normalise(text)))
