"""Load test: 1, 5, 10 and 20 simultaneous residents against `guichet serve` on loopback.

    python -m benchmarks.load --profile small [--levels 1,5,10,20] [--seconds 60]
                              [--backends inprocess,server]

For each backend (the in-process llama.cpp model, and an OpenAI-compatible `llama_cpp.server`
started on loopback, which serves one request at a time) the demo corpus is ingested into a
throw-away data folder, `guichet serve` starts on a free 127.0.0.1 port, and Locust (headless,
benchmarks/locustfile.py) runs each level for --seconds. Reports answers per minute,
first-sentence and full-answer p50/p95, the 503 rate, any other status (there must be none) and
the peak resident memory of the service (and of the inference server). Writes
bench-output/load-<profile>.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from chatbot.generation.local_server import LocalLlamaServer, free_port
from chatbot.models import model_path
from chatbot.settings import Settings
from eval.checks import percentile

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (0 once it is gone)."""
    total = 0.0
    for process in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


class PeakMemory:
    """Samples the RSS of some processes every second while the `with` lasts."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, sum(rss_mb(pid) for pid in self.pids))
            self._stop.wait(1.0)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def start_service(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`guichet serve` on a free loopback port, once /api/health answers."""
    port = free_port()
    log = Path(env["GUICHET_DATA_DIR"]) / f"serve-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "guichet"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"guichet serve stopped:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=5).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(1)
    process.terminate()
    raise SystemExit("guichet serve did not become healthy within 10 minutes")


def run_level(url: str, users: int, seconds: int, pids: list[int], work: Path) -> dict[str, Any]:
    """One Locust run at a number of users; statistics from the per-answer records."""
    records = work / f"records-{users}.jsonl"
    records.unlink(missing_ok=True)
    env = {**os.environ, "GUICHET_LOAD_RECORDS": str(records)}
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"),
               "--headless", "--only-summary", "-u", str(users), "-r", str(users),
               "-t", f"{seconds}s", "--stop-timeout", "30", "--host", url,
               "--loglevel", "ERROR"]  # fmt: skip
    with PeakMemory(pids) as memory:
        started = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=False, timeout=seconds + 120)
        elapsed = time.perf_counter() - started
    rows = (
        [json.loads(line) for line in records.read_text().splitlines()] if records.exists() else []
    )
    answered = [r for r in rows if r["status"] == 200 and r["done"]]
    first = [r["first_sentence_s"] for r in answered if r["first_sentence_s"] is not None]
    total = [r["total_s"] for r in answered]

    def pct(values: list[float], q: float) -> float | None:
        return round(percentile(values, q), 2) if values else None

    return {
        "users": users, "seconds": round(elapsed), "requests": len(rows),
        "answers_per_minute": round(len(answered) * 60 / elapsed, 1),
        "first_sentence_p50_s": pct(first, 0.5), "first_sentence_p95_s": pct(first, 0.95),
        "full_answer_p50_s": pct(total, 0.5), "full_answer_p95_s": pct(total, 0.95),
        "rate_503": round(sum(r["status"] == 503 for r in rows) / len(rows), 3) if rows else None,
        "503_without_retry_after": sum(r["status"] == 503 and not r["retry_after"] for r in rows),
        "other_statuses": sorted({r["status"] for r in rows} - {200, 503}),
        "peak_rss_mb": round(memory.peak_mb),
    }  # fmt: skip


def run(profile: str, levels: list[int], seconds: int, backends: list[str]) -> dict[str, Any]:
    """Every backend at every level."""
    base = Settings(model_profile=profile)  # type: ignore[arg-type]
    results: dict[str, Any] = {"profile": profile, "seconds_per_level": seconds, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="guichet-load-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "GUICHET_DATA_DIR": str(work / "data"),
               "GUICHET_MODEL_PROFILE": profile,
               "GUICHET_MODELS_DIR": str(base.resolved_models_dir),
               "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}  # fmt: skip
        subprocess.run([str(BIN / "guichet"), "ingest", str(ROOT / "corpus")], env=env,
                       check=True, capture_output=True)  # fmt: skip
        for backend in backends:
            server: LocalLlamaServer | None = None
            backend_env = dict(env)
            if backend == "server":
                server = LocalLlamaServer(model_path(base, "llm"), base.llm_model,
                                          context=base.llm_context, threads=base.llm_threads)  # fmt: skip
                backend_env |= {"GUICHET_LLM_BACKEND": "openai",
                                "GUICHET_LLM_BASE_URL": server.start(),
                                "GUICHET_LLM_MODEL": base.llm_model}  # fmt: skip
            process, url = start_service(backend_env)
            pids = [process.pid] + ([server._process.pid] if server and server._process else [])
            try:
                rows = [run_level(url, users, seconds, pids, work) for users in levels]
            finally:
                process.terminate()
                process.wait(timeout=60)
                if server is not None:
                    server.stop()
            results["backends"][backend] = rows
    return results


def table(results: dict[str, Any]) -> str:
    """The results as a fixed-width table."""
    head = ("backend", "users", "ans/min", "1st p50", "1st p95", "full p50", "full p95",
            "503 %", "other", "RSS MB")  # fmt: skip
    lines = ["  ".join(f"{h:>9}" for h in head)]
    for backend, rows in results["backends"].items():
        for r in rows:
            rate = "-" if r["rate_503"] is None else f"{100 * r['rate_503']:.1f}"
            cells = (backend, r["users"], r["answers_per_minute"], r["first_sentence_p50_s"],
                     r["first_sentence_p95_s"], r["full_answer_p50_s"], r["full_answer_p95_s"],
                     rate, r["other_statuses"] or "-", r["peak_rss_mb"])  # fmt: skip
            lines.append("  ".join(f"{'-' if c is None else str(c):>9}" for c in cells))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["default", "small"], default="small")
    parser.add_argument("--levels", default="1,5,10,20")
    parser.add_argument("--seconds", type=int, default=60, help="run time per level")
    parser.add_argument("--backends", default="inprocess,server")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    results = run(args.profile, levels, args.seconds, args.backends.split(","))
    out = Path("bench-output")
    out.mkdir(exist_ok=True)
    (out / f"load-{args.profile}.json").write_text(json.dumps(results, indent=2))
    print(table(results))


if __name__ == "__main__":
    main()
