"""A service killed (SIGKILL) in the middle of writing loses no committed conversation."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chatbot.privacy.pseudonyms import Pseudonymizer
from chatbot.privacy.redaction import Redactor
from chatbot.store.conversations import ConversationStore
from chatbot.store.database import open_engine
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

WRITER = textwrap.dedent(
    """
    import sys
    from chatbot.privacy.pseudonyms import Pseudonymizer
    from chatbot.privacy.redaction import Redactor
    from chatbot.store.conversations import ConversationStore
    from chatbot.store.database import open_engine
    from tests.integration.test_store_contract import an_answer

    store = ConversationStore(open_engine(sys.argv[1]), Pseudonymizer(b"k" * 32), Redactor())
    session = store.new_session()
    print("session", session, flush=True)
    n = 0
    while True:  # until killed
        answer_id = store.record(an_answer(session, question=f"Question {n} ?"))
        print("committed", answer_id, n, flush=True)  # printed only once the commit returned
        n += 1
    """
)


def test_a_kill_during_writes_loses_no_committed_answer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'guichet.db'}"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert writer.stdout is not None
    session = writer.stdout.readline().split()[1]
    committed = []
    for line in writer.stdout:
        committed.append(line.split()[1])
        if len(committed) == 60:
            break
    writer.send_signal(signal.SIGKILL)  # mid-transaction, most likely: it writes non-stop
    writer.wait(timeout=30)
    committed += [line.split()[1] for line in writer.stdout.read().splitlines()]

    with sqlite3.connect(tmp_path / "guichet.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    store = ConversationStore(open_engine(url), Pseudonymizer(b"k" * 32), Redactor())
    for answer_id in committed:
        assert store.get_answer(answer_id)["question"].startswith("Question ")
    assert store.turns(session) >= len(committed) >= 60
    store.engine.dispose()
