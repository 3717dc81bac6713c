"""Locust user for benchmarks.load: a resident asking one question from the pool over SSE.

Each answer appends one JSON line to $GUICHET_LOAD_RECORDS: status, retry_after, first-sentence
and full-answer seconds. Run by benchmarks/load.py (headless, loopback only).
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from locust import HttpUser, between, task

QUESTIONS = [
    json.loads(line)["question"]
    for line in (Path(__file__).parent / "answer-questions.jsonl").read_text().splitlines()
    if line.strip()
]
RECORDS = Path(os.environ.get("GUICHET_LOAD_RECORDS", "load-records.jsonl"))


class Resident(HttpUser):
    """Asks, reads the streamed answer to the end, pauses, asks again."""

    wait_time = between(1, 3)

    @task
    def ask(self) -> None:
        started = time.perf_counter()
        first_sentence: float | None = None
        done = False
        with self.client.post(
            "/api/chat/stream", json={"message": random.choice(QUESTIONS)}, stream=True,
            catch_response=True, name="/api/chat/stream", timeout=600,
        ) as response:  # fmt: skip
            status = response.status_code
            if status == 200:
                for line in response.iter_lines():
                    text = line.decode() if isinstance(line, bytes) else line
                    if text == "event: sentence" and first_sentence is None:
                        first_sentence = time.perf_counter() - started
                    elif text == "event: done":
                        done = True
                response.success()
            elif status == 503 and response.headers.get("Retry-After"):
                response.success()  # an honest "busy, retry later" is expected under load
            else:
                response.failure(f"unexpected status {status}")
        record = {
            "status": status, "retry_after": response.headers.get("Retry-After"),
            "done": done, "first_sentence_s": first_sentence,
            "total_s": time.perf_counter() - started,
        }  # fmt: skip
        with RECORDS.open("a") as sink:
            sink.write(json.dumps(record) + "\n")
