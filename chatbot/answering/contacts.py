"""The human services the bot points to when it declines, chosen by topic."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from chatbot.domain import GuichetError
from chatbot.text.lexical import tokenize


@dataclass(frozen=True)
class Contact:
    """One human service: how and when to reach it, and what it deals with."""

    id: str
    service: str
    phone: str = ""
    hours: str = ""
    url: str = ""
    email: str = ""
    topics: tuple[str, ...] = ()
    default: bool = False

    def as_dict(self) -> dict[str, str]:
        """The contact as shown to residents."""
        return {"service": self.service, "phone": self.phone, "hours": self.hours,
                "url": self.url, "email": self.email}  # fmt: skip


class ContactBook:
    """All contacts, with one default for questions no topic matches."""

    def __init__(self, contacts: list[Contact]) -> None:
        if not contacts:
            raise GuichetError("The contacts table is empty: at least one contact is needed.")
        self.contacts = contacts
        self.default = next((c for c in contacts if c.default), contacts[0])
        self._topic_stems = {c.id: {s for t in c.topics for s in tokenize(t)} for c in contacts}

    def strings(self) -> list[str]:
        """Every phone, e-mail and link of the table (official: answers may relay them)."""
        return [v for c in self.contacts for v in (c.phone, c.email, c.url) if v]

    def for_question(self, question: str) -> Contact:
        """The contact whose topics share the most words with the question, else the default."""
        words = set(tokenize(question))
        best = max(self.contacts, key=lambda c: len(words & self._topic_stems[c.id]))
        return best if words & self._topic_stems[best.id] else self.default


def load_contacts(path: Path) -> ContactBook:
    """Read a contacts YAML list; raise naming the file and entry when it is malformed."""
    if not path.is_file():
        raise GuichetError(f"Contacts file {path} not found: set GUICHET_CONTACTS_FILE.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as error:
        raise GuichetError(f"{path} is not valid YAML: {error}") from error
    if isinstance(data, dict):
        data = data.get("contacts", [])
    contacts = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not item.get("service"):
            raise GuichetError(f"{path}: contact #{number} needs at least a 'service'.")
        contacts.append(
            Contact(
                id=str(item.get("id") or f"contact-{number}"),
                service=str(item["service"]),
                phone=str(item.get("phone", "")),
                hours=str(item.get("hours", "")),
                url=str(item.get("url", "")),
                email=str(item.get("email", "")),
                topics=tuple(str(t) for t in item.get("topics") or ()),
                default=bool(item.get("default", False)),
            )
        )
    return ContactBook(contacts)
