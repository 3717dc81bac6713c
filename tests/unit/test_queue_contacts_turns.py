import threading
import time
from pathlib import Path

import pytest

from chatbot.answering.turns import ConversationTooLongError, MessageRejectedError, open_turn
from chatbot.answering.contacts import load_contacts
from chatbot.domain import GuichetError
from chatbot.generation.backends import QueueFullError, RequestQueue
from chatbot.settings import Settings
from tests.conftest import CORPUS


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
    book = load_contacts(CORPUS / "contacts.yaml")
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


def test_turn_validation(tmp_path: Path) -> None:
    from dataclasses import replace

    from chatbot.privacy.redaction import Redactor
    from chatbot.store.conversations import UnknownSessionError
    from chatbot.wiring import build_storage
    from tests.integration.test_store_contract import an_answer

    log = build_storage(Settings(data_dir=tmp_path), redactor=Redactor()).conversations
    settings = Settings(data_dir=tmp_path, max_message_chars=50, max_history_turns=2)
    with pytest.raises(MessageRejectedError) as empty:
        open_turn(log, settings, "   ", None)
    assert empty.value.status == 422
    with pytest.raises(MessageRejectedError) as long:
        open_turn(log, settings, "x" * 51, None)
    assert long.value.status == 413
    with pytest.raises(UnknownSessionError):
        open_turn(log, settings, "Bonjour", "no-such-session")
    turn = open_turn(log, settings, "Bonjour", None)
    for n in range(2):
        log.record(replace(an_answer(turn.session_id), question=f"q{n}", answer=f"a{n}"))
    assert log.history(turn.session_id, 4) == [("q0", "a0"), ("q1", "a1")]
    with pytest.raises(ConversationTooLongError):
        open_turn(log, settings, "Encore", turn.session_id)
