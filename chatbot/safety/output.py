"""Answer-side filters: what an answer may never relay from its documents.

Removed, with the whole sentence that carries it (a half sentence misleads more than none):
premium-rate numbers (08 1x, 08 2x, 08 9x, 118 xxx), phone numbers and e-mail addresses that are
not official contacts, links to domains outside the allow-list, IBANs, bank card numbers and
requests for payment (card details, transfers, prepaid coupons), unless the caller says the
source may carry them. `official_contacts` takes any strings (the contacts table's fields, the
text of passages from official sources): the phones, e-mails, links and IBANs found in them are
allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from chatbot.text.lexical import fold
from chatbot.text.sentences import split_sentences

DEFAULT_ALLOWED_DOMAINS = ("paris-saclay.com", "*.gouv.fr", "service-public.fr")
MIN_ANSWER_CHARS = 20

_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)33[\s.\-]?(?:\(0\)[\s.\-]?)?|0[\s.\-]?)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)"
)
_DIRECTORY = re.compile(r"(?<!\d)118[\s.]?\d{3}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(
    r"\bhttps?://[^\s<>\"'()\[\]]+|\bwww\.[^\s<>\"'()\[\]]+"
    r"|\b(?:[a-z0-9-]+\.)+(?:fr|com|org|net|eu|info|io|xyz|biz|ly|co|me|app|site|online|top|ru|cn)"
    r"\b(?:/[^\s<>\"'()\[\]]*)?",
    re.IGNORECASE,
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_CARD = re.compile(r"(?<!\d)(?:\d{4}[ \-]?){3}\d{1,7}(?!\d)")
_PAYMENT = re.compile(
    fold(
        r"(num[eé]ro|n°|donn[ée]es|coordonn[ée]es|d[ée]tails?|details|informations?) (de |of )?(votre |your |la |ta )?"
        r"(carte (bancaire|bleue|de cr[ée]dit)|credit card|bank card|card)|cryptogramme|\bcvv\b|\bcvc\b"
        r"|security code|code (secret|confidentiel) de (votre |la )?carte|date d'expiration de (votre |la )?carte"
        r"|coordonn[ée]es bancaires|bank details|\b(rib|iban|bic)\b|virement (bancaire )?(sur|vers|au|a) "
        r"|wire transfer|bank transfer|transf[ée]rez|\b(pcs|transcash|neosurf|paysafecard|mandat cash|western union"
        r"|moneygram|bitcoin|crypto-?monnaie|gift card|carte cadeau)\b"
        r"|\b(payez|r[ée]glez|versez|envoyez|pay|send)\b.{0,40}(\d+ ?(€|euros?|eur)\b|frais de dossier|fee)"
    )
)


@dataclass(frozen=True)
class Finding:
    """Something removed from an answer: what kind, the value, and why."""

    kind: str
    value: str
    reason: str


def _phone_key(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    for prefix in ("0033", "33"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 9:
            return "0" + digits[len(prefix) :]
    return digits


def _host(url: str) -> str:
    host = re.sub(r"^https?://", "", url, flags=re.IGNORECASE).split("/")[0].split(":")[0]
    return host.lower().rstrip(".").removeprefix("www.")


def _domain_allowed(host: str, allowed: Iterable[str]) -> bool:
    for domain in allowed:
        domain = domain.lower().removeprefix("*.").removeprefix("www.")
        if host == domain or host.endswith("." + domain):
            return True
    return False


@dataclass(frozen=True)
class _Official:
    phones: frozenset[str]
    emails: frozenset[str]
    hosts: frozenset[str]
    ibans: frozenset[str]


def _official(strings: Iterable[str]) -> _Official:
    phones: set[str] = set()
    emails: set[str] = set()
    hosts: set[str] = set()
    ibans: set[str] = set()
    for text in strings:
        emails.update(e.lower().rstrip(".") for e in _EMAIL.findall(text))
        masked = _EMAIL.sub(" ", text)
        phones.update(_phone_key(p) for p in _PHONE.findall(masked))
        phones.update(_phone_key(p) for p in _DIRECTORY.findall(masked))
        hosts.update(_host(u) for u in _URL.findall(masked))
        ibans.update(i.replace(" ", "") for i in _IBAN.findall(masked))
    return _Official(frozenset(phones), frozenset(emails), frozenset(hosts), frozenset(ibans))


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _sentence_findings(
    sentence: str, domains: tuple[str, ...], official: _Official, allow_payment: bool
) -> list[Finding]:
    found: list[Finding] = []
    for email in _EMAIL.findall(sentence):
        if email.lower().rstrip(".") not in official.emails:
            found.append(
                Finding("email_not_official", email, "adresse e-mail hors contacts officiels")
            )
    text = _EMAIL.sub(" ", sentence)
    for iban in _IBAN.findall(text):
        if iban.replace(" ", "") in official.ibans:
            allow_payment = True  # the official source carries this account: its sentence may stay
        elif not allow_payment:
            found.append(Finding("iban", iban, "coordonnées bancaires (IBAN)"))
    text = _IBAN.sub(" ", text)
    for number in _DIRECTORY.findall(text):
        if _phone_key(number) not in official.phones:
            found.append(
                Finding("premium_number", number, "numéro de renseignements surtaxé (118)")
            )
    for number in _PHONE.findall(text):
        key = _phone_key(number)
        if key in official.phones:
            continue
        if key[:3] in ("081", "082", "089"):
            found.append(Finding("premium_number", number, "numéro surtaxé"))
        else:
            found.append(Finding("phone_not_official", number, "numéro hors contacts officiels"))
    for url in _URL.findall(text):
        host = _host(url)
        if host not in official.hosts and not _domain_allowed(host, domains):
            found.append(
                Finding("unknown_domain", url.rstrip(".,;:!?"), f"domaine non autorisé : {host}")
            )
    if not allow_payment:
        for card in _CARD.findall(_PHONE.sub(" ", text)):
            digits = re.sub(r"\D", "", card)
            if 13 <= len(digits) <= 19 and _luhn(digits):
                found.append(Finding("bank_card", card, "numéro de carte bancaire"))
        match = _PAYMENT.search(fold(text))
        if match:
            found.append(
                Finding(
                    "payment_request", match.group(0), "demande de paiement ou de données bancaires"
                )
            )
    return found


def filter_answer(
    text: str,
    allowed_domains: Iterable[str] = DEFAULT_ALLOWED_DOMAINS,
    official_contacts: Iterable[str] = (),
    *,
    allow_payment: bool = False,
    min_chars: int = MIN_ANSWER_CHARS,
) -> tuple[str | None, list[Finding]]:
    """The answer without the sentences that relay what it must not, and what went and why.

    Returns None instead of the text when less than `min_chars` characters of it remain (the
    caller then gives its fixed message). `allow_payment` lets payment requests, IBANs and card
    numbers through (for a passage from a source allowed to carry them).
    """
    domains = tuple(allowed_domains)
    official = _official(official_contacts)
    kept_lines: list[str] = []
    findings: list[Finding] = []
    for line in text.split("\n"):
        kept: list[str] = []
        for sentence in split_sentences(line):
            found = _sentence_findings(sentence, domains, official, allow_payment)
            findings.extend(found)
            if not found:
                kept.append(sentence)
        if kept or not line.strip():
            kept_lines.append(" ".join(kept))
    clean = re.sub(r"\n{3,}", "\n\n", "\n".join(kept_lines)).strip()
    if not findings:
        return text, []
    return (clean if len(clean) >= min_chars else None), findings


def contact_strings(contacts: Iterable[object]) -> list[str]:
    """The phone, e-mail and URL of contacts (e.g. `ContactBook.contacts`), for `official_contacts`."""
    return [
        str(getattr(contact, name, "") or "")
        for contact in contacts
        for name in ("phone", "email", "url")
    ]
