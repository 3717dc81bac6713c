import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chatbot.answering.contacts import load_contacts
from chatbot.answering.pipeline import Answerer, AnsweringConfig
from chatbot.answering.turns import (
    ConversationService,
    ConversationTooLongError,
    MessageRejectedError,
    TurnLimits,
)
from chatbot.domain import GuichetError, QueueFullError
from chatbot.generation.queue import RequestQueue
from chatbot.settings import Settings
from chatbot.store.tables import sessions
from chatbot.wiring import default_contacts_file
from tests.fakes import FixedRetriever, ScriptedGenerator


def test_queue_refuses_when_full_and_serves_in_turn() -> None:
    queue = RequestQueue(size=1, timeout_s=5)
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with queue.turn():
            inside.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait()
    waiter_done = threading.Event()

    def wait_turn() -> None:
        with queue.turn():
            waiter_done.set()

    waiter = threading.Thread(target=wait_turn)
    waiter.start()
    deadline = time.monotonic() + 5
    while queue.waiting < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(QueueFullError) as refused, queue.turn():
        pass
    assert refused.value.retry_after_s >= 1
    release.set()
    holder.join()
    waiter.join()
    assert waiter_done.is_set() and queue.waiting == 0


def test_queue_gives_up_after_its_timeout() -> None:
    queue = RequestQueue(size=5, timeout_s=0.2)
    with queue.turn(), pytest.raises(QueueFullError, match=r"Réessayez"), queue.turn():
        pass


def test_demo_contacts_load_and_match_topics() -> None:
    book = load_contacts(default_contacts_file())
    assert book.default.id == "accueil-general"
    assert book.for_question("Quand passe la collecte des déchets ?").id == "dechets-collecte"
    assert book.for_question("Question sans rapport") is book.default


def test_bad_contacts_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- phone: 1\n")
    with pytest.raises(GuichetError, match="needs at least a 'service'"):
        load_contacts(path)
    with pytest.raises(GuichetError, match="not found"):
        load_contacts(tmp_path / "absent.yaml")


def _turns(tmp_path: Path, queue: RequestQueue | None = None) -> ConversationService:
    from chatbot.privacy.redaction import Redactor
    from chatbot.wiring import build_storage

    store = build_storage(Settings(data_dir=tmp_path), redactor=Redactor()).conversations
    answerer = Answerer(FixedRetriever([]), ScriptedGenerator(), load_contacts(default_contacts_file()),
                        AnsweringConfig(authority="l'agglomération", relevance_threshold=0.5))  # fmt: skip
    return ConversationService(answerer, store, TurnLimits(50, 2), queue)


def test_turn_validation(tmp_path: Path) -> None:
    from dataclasses import replace

    from chatbot.store.conversations import UnknownSessionError
    from tests.integration.test_store_contract import an_answer

    turns = _turns(tmp_path)
    log = turns.store
    with pytest.raises(MessageRejectedError) as empty:
        turns.open("   ")
    assert not empty.value.too_long
    with pytest.raises(MessageRejectedError) as long:
        turns.open("x" * 51)
    assert long.value.too_long
    with pytest.raises(UnknownSessionError):
        turns.open("Bonjour", "no-such-session")
    turn = turns.open("Bonjour")
    for n in range(2):
        log.record(replace(an_answer(turn.session_id), question=f"q{n}", answer=f"a{n}"))
    assert log.history(turn.session_id, 4) == [("q0", "a0"), ("q1", "a1")]
    with pytest.raises(ConversationTooLongError):
        turns.open("Encore", turn.session_id)


def test_a_refused_turn_leaves_no_empty_session(tmp_path: Path) -> None:
    queue = RequestQueue(size=0, timeout_s=1.0)
    turns = _turns(tmp_path, queue)
    with queue.turn(), pytest.raises(QueueFullError):
        turns.open("Bonjour")
    with turns.store.engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(sessions)) == 0
