"""The conversation store's promises, proved on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError

from chatbot.privacy.pseudonyms import Pseudonymizer
from chatbot.privacy.redaction import Redactor
from chatbot.store.audit_reads import AnswerFilters, UnknownAnswerError
from chatbot.store.conversations import (
    AnswerRecord,
    ConversationStore,
    RetentionPolicy,
    UnknownSessionError,
)
from chatbot.store.database import open_engine, schema_version
from chatbot.store.staff import (
    AccessLog,
    ForbiddenError,
    NotAuthenticatedError,
    StaffDirectory,
    StaffError,
    StaffReads,
)
from chatbot.store.tables import metadata

pytestmark = pytest.mark.integration
_numbers = itertools.count()


@dataclass
class MovingClock:
    """A clock the test moves forward."""

    now: datetime = datetime(2026, 1, 5, 9, 30)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: float) -> None:
        self.now += timedelta(days=days)


@dataclass
class World:
    engine: Engine
    clock: MovingClock
    store: ConversationStore
    staff: StaffDirectory
    log: AccessLog
    reads: StaffReads


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'guichet.db'}"
    server = request.getfixturevalue("postgres")
    return server.create_database(f"contract_{next(_numbers)}")  # type: ignore[attr-defined, no-any-return]


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    engine = open_engine(database_url)
    clock = MovingClock()
    store = ConversationStore(
        engine, Pseudonymizer(b"k" * 32), Redactor(), RetentionPolicy(), clock
    )
    log = AccessLog(engine, clock)
    yield World(engine, clock, store, StaffDirectory(engine, clock), log, StaffReads(store, log))
    engine.dispose()


def an_answer(session_id: str, **changes: Any) -> AnswerRecord:
    record = AnswerRecord(
        session_id=session_id,
        question="Quels sont les horaires de la déchèterie de Villebon ?",
        standalone_question="Quels sont les horaires de la déchèterie de Villebon ?",
        answer="La déchèterie ouvre de 9 h à 18 h [1].",
        language="fr",
        abstained=False,
        reason=None,
        groundedness=0.9,
        passages=[{"chunk_id": "dechets#3", "source_id": "dechets", "doc_version": "abc123",
                   "score": 0.031, "dense_score": 0.71, "lexical_score": 9.2, "shown": True}],
        citations=[{"n": 1, "source_id": "dechets", "title": "Déchets", "url": "", "supported": True}],
        citation_check={"cited": [1], "unsupported": 0, "uncited": 0, "sentences": []},
        prompt_version="answer-v3",
        model="qwen2.5-coder-1.5b-instruct-q4_k_m",
        model_sha256="f" * 64,
        generation={"temperature": 0.1, "max_tokens": 320},
        timings={"total_ms": 4200.0},
        tokens=17,
        communes=["Villebon-sur-Yvette"],
    )  # fmt: skip
    return replace(record, **changes)


def dump(engine: Engine) -> str:
    """Every value of every table, as one string (to look for what must not be there)."""
    parts = []
    with engine.connect() as db:
        for table in metadata.sorted_tables:
            parts.extend(repr(tuple(row)) for row in db.execute(select(table)))
    return "\n".join(parts)


# -- Schema ----------------------------------------------------------------------------------------


def test_migrations_build_exactly_the_declared_schema(world: World) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert schema_version(world.engine) == "0003"
    with world.engine.connect() as db:
        differences = compare_metadata(MigrationContext.configure(db), metadata)
    assert differences == []


def test_no_column_can_hold_an_ip_address_or_a_user_agent(world: World) -> None:
    inspector = inspect(world.engine)
    columns = [c["name"] for t in inspector.get_table_names() for c in inspector.get_columns(t)]
    suspicious = {"ip", "agent", "ua", "addr", "address", "host", "client", "fingerprint"}
    assert not [c for c in columns if suspicious & set(c.lower().split("_"))]


def test_reopening_an_existing_database_keeps_its_data(world: World, database_url: str) -> None:
    session = world.store.new_session()
    world.store.record(an_answer(session))
    again = open_engine(database_url)  # migrations run again: nothing to do, nothing lost
    store = ConversationStore(again, world.store.pseudonymizer, Redactor())
    assert store.turns(session) == 1
    again.dispose()


# -- Conversations, pseudonymous and redacted -----------------------------------------------------


def test_sessions_are_stored_under_a_keyed_hash_only(world: World) -> None:
    session = world.store.new_session()
    world.store.record(an_answer(session))
    stored = dump(world.engine)
    assert session not in stored
    assert world.store.pseudonymizer.key(session) in stored
    other = ConversationStore(world.engine, Pseudonymizer(b"x" * 32), Redactor())
    with pytest.raises(UnknownSessionError):  # without the secret, the id leads nowhere
        other.require_session(session)


def test_history_and_turns_follow_the_conversation(world: World) -> None:
    session = world.store.new_session()
    assert world.store.history(session, limit=4) == [] and world.store.turns(session) == 0
    for n in range(3):
        world.clock.advance(1 / 24)
        world.store.record(an_answer(session, question=f"Question {n} ?", answer=f"Réponse {n}."))
    assert world.store.turns(session) == 3
    assert world.store.history(session, limit=2) == [("Question 1 ?", "Réponse 1."),
                                                     ("Question 2 ?", "Réponse 2.")]  # fmt: skip
    with pytest.raises(UnknownSessionError, match="nouvelle conversation"):
        world.store.require_session("never-given-out")
    with pytest.raises(UnknownSessionError):
        world.store.record(an_answer("never-given-out"))


def test_personal_data_never_reaches_the_database(world: World) -> None:
    session = world.store.new_session()
    planted = ["jeanne.martin@example.fr", "06 12 34 56 78", "1 84 12 76 451 089 46",
               "FR76 3000 6000 0112 3456 7890 189", "4970 1012 3456 7893", "12 rue des Lilas"]  # fmt: skip
    question = (
        f"Je suis joignable au {planted[1]} ou {planted[0]}, NIR {planted[2]}, IBAN {planted[3]}, "
        f"carte {planted[4]}, j'habite {planted[5]} à Orsay. Comment payer la cantine ?"
    )
    answer_id = world.store.record(an_answer(session, question=question, standalone_question=question,
                                             answer=f"Écrivez à {planted[0]}."))  # fmt: skip
    world.store.add_feedback(answer_id, False, f"Rappelez-moi au {planted[1]}")
    stored = dump(world.engine)
    assert not [p for p in planted if p in stored]
    assert (
        "[COURRIEL]" in stored and "[TÉLÉPHONE]" in stored and "Comment payer la cantine" in stored
    )
    record = world.store.get_answer(answer_id)
    assert record["redactions"] == {"address": 1, "card": 1, "email": 2, "iban": 1, "nir": 1,
                                    "phone": 1}  # fmt: skip


def test_the_audit_record_holds_what_an_auditor_needs(world: World) -> None:
    session = world.store.new_session()
    answer_id = world.store.record(an_answer(session))
    record = world.store.get_answer(answer_id)
    assert record["passages"][0]["doc_version"] == "abc123"
    assert record["passages"][0]["dense_score"] == pytest.approx(0.71)
    for key in ("prompt_version", "model", "model_sha256", "generation", "citations",
                "citation_check", "groundedness", "reason", "timings", "question", "answer"):  # fmt: skip
        assert key in record
    assert record["session"] == world.store.pseudonymizer.key(session)[:12]
    with pytest.raises(UnknownAnswerError):
        world.store.get_answer("nope")


# -- Feedback --------------------------------------------------------------------------------------


def test_feedback_is_stored_redacted_and_a_second_one_replaces_it(world: World) -> None:
    session = world.store.new_session()
    answer_id = world.store.record(an_answer(session))
    world.store.add_feedback(answer_id, True, None)
    world.store.add_feedback(answer_id, False, "Faux, écrivez-moi : a.b@example.org")
    exported = world.store.export(session)["exchanges"][0]["feedback"]
    assert exported["helpful"] is False and exported["comment"] == "Faux, écrivez-moi : [COURRIEL]"
    with pytest.raises(UnknownAnswerError):
        world.store.add_feedback("unknown-answer", True, None)


# -- Residents' rights -----------------------------------------------------------------------------


def test_export_gives_the_resident_everything_stored(world: World) -> None:
    session = world.store.new_session()
    first = world.store.record(an_answer(session))
    world.clock.advance(1 / 1440)
    world.store.record(an_answer(session, question="Et le samedi ?", answer="Aussi [1]."))
    world.store.add_feedback(first, True, "Merci")
    data = world.store.export(session)
    assert [e["question"] for e in data["exchanges"]] == [
        "Quels sont les horaires de la déchèterie de Villebon ?", "Et le samedi ?"]  # fmt: skip
    assert data["exchanges"][0]["feedback"]["comment"] == "Merci"
    assert data["exchanges"][0]["sources"][0]["source_id"] == "dechets"
    assert data["retention"] == {"conversation_days": 183, "audit_days": 365}
    with pytest.raises(UnknownSessionError):
        world.store.export("unknown")


def test_erasure_removes_every_trace_and_spares_other_residents(world: World) -> None:
    mine, theirs = world.store.new_session(), world.store.new_session()
    answer_id = world.store.record(an_answer(mine, question="Mon dossier zorglub-4711 ?"))
    world.store.add_feedback(answer_id, False, "zorglub encore")
    world.store.record(an_answer(theirs))
    assert world.store.erase(mine) == 1
    stored = dump(world.engine)
    assert "zorglub" not in stored and world.store.pseudonymizer.key(mine) not in stored
    assert answer_id not in stored
    assert world.store.turns(theirs) == 1
    for action in (world.store.export, world.store.erase, world.store.require_session):
        with pytest.raises(UnknownSessionError):
            action(mine)


# -- Retention, with a moving clock ----------------------------------------------------------------


def test_retention_strips_text_at_six_months_and_deletes_audit_records_at_twelve(
    world: World,
) -> None:
    store, clock = world.store, world.clock
    session = store.new_session()
    answer_id = store.record(an_answer(session))
    store.add_feedback(answer_id, False, "pas clair")

    clock.advance(182)
    report = store.purge()
    assert (report.answers_stripped, report.sessions_deleted, report.answers_deleted) == (0, 0, 0)
    assert store.turns(session) == 1

    clock.advance(2)  # 184 days: the conversation's text is gone, the audit record stays
    preview = store.purge(dry_run=True)
    assert (preview.answers_stripped, preview.sessions_deleted) == (1, 1)
    assert store.export(session)["exchanges"][0]["question"]  # a dry run changed nothing
    report = store.purge()
    assert (report.answers_stripped, report.sessions_deleted, report.answers_deleted) == (1, 1, 0)
    with pytest.raises(UnknownSessionError):
        store.require_session(session)
    record = store.get_answer(answer_id)
    assert record["question"] is None and record["answer"] is None
    assert record["standalone_question"] is None and record["comment"] is None
    assert record["session"] is None and record["stripped_at"]
    assert record["passages"] and record["model_sha256"] and record["helpful"] is False
    assert "Villebon" not in dump(world.engine).replace("Villebon-sur-Yvette", "")

    clock.advance(365 - 184 + 1)  # 366 days: the audit record is deleted too
    assert store.purge().answers_deleted == 1
    with pytest.raises(UnknownAnswerError):
        store.get_answer(answer_id)
    assert store.purge().as_dict()["answers_deleted"] == 0


def test_dropped_sentences_are_redacted_and_stripped_with_the_text(world: World) -> None:
    store, clock = world.store, world.clock
    session = store.new_session()
    dropped = {"sentence": "Écrivez à jean.dupont@example.org [1].", "sources": [1],
               "passed": False, "failed_check": "hard_facts", "detail": "", "scores": {}}  # fmt: skip
    check = {"cited": [1], "unsupported": 0, "uncited": 0, "sentences": [], "verdicts": [dropped]}
    answer_id = store.record(an_answer(session, citation_check=check))
    [kept] = store.get_answer(answer_id)["citation_check"]["verdicts"]
    assert (
        "jean.dupont@example.org" not in kept["sentence"] and kept["failed_check"] == "hard_facts"
    )
    clock.advance(184)
    store.purge()
    [stripped] = store.get_answer(answer_id)["citation_check"]["verdicts"]
    assert stripped["sentence"] is None and stripped["failed_check"] == "hard_facts"


def test_an_active_conversation_keeps_only_its_recent_text(world: World) -> None:
    store, clock = world.store, world.clock
    session = store.new_session()
    old = store.record(an_answer(session, question="Ancienne question ?"))
    clock.advance(170)
    store.record(an_answer(session, question="Nouvelle question ?"))
    clock.advance(20)  # the first answer is 190 days old, the session was active 20 days ago
    report = store.purge()
    assert (report.answers_stripped, report.sessions_deleted) == (1, 0)
    assert store.get_answer(old)["question"] is None
    assert [q for q, _ in store.history(session, limit=10)] == ["Nouvelle question ?"]


# -- Staff accounts and the access log -------------------------------------------------------------


def test_staff_tokens_roles_and_revocation(world: World) -> None:
    token = world.staff.add("a.martin", "auditor")
    assert token not in dump(world.engine)  # only its hash is stored
    user = world.staff.authenticate(token)
    assert (user.name, user.role) == ("a.martin", "auditor")
    with pytest.raises(StaffError, match="existe déjà"):
        world.staff.add("a.martin", "agent")
    with pytest.raises(StaffError, match="inconnu"):
        world.staff.add("b.durand", "superuser")
    with pytest.raises(NotAuthenticatedError):
        world.staff.authenticate("gch_forged")
    with pytest.raises(NotAuthenticatedError):
        world.staff.authenticate(None)
    world.staff.revoke("a.martin")
    with pytest.raises(NotAuthenticatedError):
        world.staff.authenticate(token)
    assert world.staff.list()[0]["revoked_at"]


def test_every_staff_read_is_logged_and_roles_are_enforced(world: World) -> None:
    session = world.store.new_session()
    answer_id = world.store.record(an_answer(session))
    auditor = world.staff.authenticate(world.staff.add("auditrice", "auditor"))
    agent = world.staff.authenticate(world.staff.add("agent1", "agent"))
    admin = world.staff.authenticate(world.staff.add("admin1", "admin"))
    assert len(world.reads.list_answers(auditor, AnswerFilters(abstained=False))) == 1
    assert world.reads.answer(auditor, answer_id)["answer_id"] == answer_id
    with pytest.raises(ForbiddenError):
        world.reads.answer(agent, answer_id)
    with pytest.raises(ForbiddenError):
        world.reads.access_log(auditor, 10, 0)
    entries = world.reads.access_log(admin, 10, 0)
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("admin1", "read_access_log", "access_log"),
        ("auditrice", "read_answer", answer_id),
        ("auditrice", "list_answers", "answers"),
    ]
    assert entries[2]["detail"]["abstained"] is False
    assert world.log.verify()[:2] == (True, 3)


def test_the_access_log_refuses_updates_and_deletes(world: World) -> None:
    world.log.append("x", "auditor", "read_answer", "a1", {})
    for statement in ("UPDATE access_log SET actor = 'someone else'", "DELETE FROM access_log"):
        with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as db:
            db.execute(text(statement))
    assert world.log.entries()[0]["actor"] == "x"


def test_the_hash_chain_reveals_an_entry_altered_behind_the_triggers(
    world: World, database_url: str
) -> None:
    for n in range(3):
        world.log.append("x", "auditor", "read_answer", f"a{n}", {})
    with world.engine.begin() as db:  # someone with full rights on the database drops the guard
        if database_url.startswith("sqlite"):
            db.execute(text("DROP TRIGGER access_log_no_UPDATE"))
        else:
            db.execute(text("ALTER TABLE access_log DISABLE TRIGGER access_log_append_only"))
        db.execute(text("UPDATE access_log SET target = 'innocent' WHERE target = 'a1'"))
    intact, checked, message = world.log.verify()
    assert not intact and checked == 1 and "entrée 2" in message


def test_audit_filters(world: World) -> None:
    store, clock = world.store, world.clock
    session = store.new_session()
    good = store.record(an_answer(session))
    clock.advance(1)
    risky = store.record(an_answer(session, groundedness=0.2, communes=["Orsay"]))
    clock.advance(1)
    declined = store.record(an_answer(session, abstained=True, reason="no_relevant_sources",
                                      groundedness=None, communes=[]))  # fmt: skip
    store.add_feedback(risky, False, None)

    def ids(**filters: Any) -> list[str]:
        return [row["answer_id"] for row in store.list_answers(AnswerFilters(**filters))]

    assert ids() == [declined, risky, good]
    assert ids(abstained=True) == [declined]
    assert ids(negative_feedback=True) == [risky]
    assert ids(max_groundedness=0.5) == [risky]
    assert ids(commune="Orsay") == [risky]
    assert ids(riskiest_first=True) == [risky, good]
    assert ids(since=clock.now - timedelta(hours=12)) == [declined]
    assert ids(until=clock.now - timedelta(hours=12), limit=1) == [risky]
