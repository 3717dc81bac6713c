import threading
import time
from pathlib import Path

import pytest

from chatbot.chat import ConversationTooLongError, MessageRejectedError, open_turn
from chatbot.contacts import load_contacts
from chatbot.conversation_log import Exchange, SqliteConversationLog, UnknownSessionError
from chatbot.domain import GuichetError
from chatbot.generation import QueueFullError, RequestQueue
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
    log = SqliteConversationLog(tmp_path / "log.sqlite3")
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
        log.record(Exchange(turn.session_id, f"q{n}", f"a{n}", "fr", False))
    assert log.history(turn.session_id, 4) == [("q0", "a0"), ("q1", "a1")]
    with pytest.raises(ConversationTooLongError):
        open_turn(log, settings, "Encore", turn.session_id)


def test_log_sorts_answers_by_risk_and_upgrades_an_older_file(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)  # the schema before the online score existed
    old.executescript(
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, created REAL NOT NULL);"
        "CREATE TABLE exchanges (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, created REAL NOT NULL,"
        " question TEXT NOT NULL, answer TEXT NOT NULL, language TEXT NOT NULL, abstained INTEGER NOT NULL,"
        " citations TEXT NOT NULL, timings TEXT NOT NULL, extra TEXT NOT NULL);"
    )
    old.close()
    log = SqliteConversationLog(path)
    session = log.new_session()
    for text, score in [("sûre", 0.95), ("douteuse", 0.2), ("refus", None), ("moyenne", 0.6)]:
        log.record(Exchange(session, text, text, "fr", score is None, groundedness=score))
    assert [row["question"] for row in log.riskiest()] == ["douteuse", "moyenne", "sûre"]
    assert log.riskiest(limit=1)[0]["groundedness"] == 0.2
    log.close()
