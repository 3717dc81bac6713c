"""Text generation: llama.cpp in this process behind a bounded queue, or an OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from chatbot.domain import GuichetError

Message = dict[str, str]


class GeneratorUnavailableError(GuichetError):
    """The model cannot be loaded or the inference server cannot be reached."""


class QueueFullError(GuichetError):
    """Too many requests are waiting for the model."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class GenerationOptions:
    """Bounds on one generation."""

    max_tokens: int = 320
    temperature: float = 0.1
    timeout_s: float = 120.0
    stop: tuple[str, ...] = ()
    repeat_penalty: float = 1.1


class Generator(Protocol):
    """Produces an answer from chat messages, piece by piece."""

    name: str

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[str]:
        """Yield the answer's text pieces (about one token each) as they are generated."""
        ...


class RequestQueue:
    """Admits at most `size` waiting requests in front of one model, served one at a time."""

    def __init__(self, size: int, timeout_s: float, typical_answer_s: float = 10.0) -> None:
        self.size = size
        self.timeout_s = timeout_s
        self.typical_answer_s = typical_answer_s
        self._model_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Requests waiting for the model now."""
        return self._waiting

    def is_full(self) -> bool:
        """Whether a new request would be refused now."""
        return self._model_lock.locked() and self._waiting >= self.size

    def full_error(self) -> QueueFullError:
        """The error for a refused request, with a Retry-After estimate."""
        retry = max(1, round(self.typical_answer_s * (self._waiting + 1)))
        return QueueFullError(
            f"Le service est très sollicité ({self._waiting} demandes en attente). "
            f"Réessayez dans {retry} secondes.",
            retry,
        )

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for the model (or refuse at once when the queue is full)."""
        with self._count_lock:
            if self.is_full():
                raise self.full_error()
            self._waiting += 1
        try:
            acquired = self._model_lock.acquire(timeout=self.timeout_s)
        finally:
            with self._count_lock:
                self._waiting -= 1
        if not acquired:
            raise QueueFullError(
                f"Le modèle n'a pas pu traiter la demande en {self.timeout_s:.0f} s. Réessayez.",
                max(1, round(self.typical_answer_s)),
            )
        try:
            yield
        finally:
            self._model_lock.release()


class LlamaCppGenerator:
    """A GGUF model loaded once in this process with llama-cpp-python."""

    def __init__(
        self,
        model_path: Path,
        name: str,
        queue: RequestQueue,
        context: int = 4096,
        threads: int | None = None,
        gpu_layers: int = 0,
        seed: int = 42,
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as error:  # pragma: no cover - install problem
            raise GeneratorUnavailableError(
                "llama-cpp-python is not installed: run `make install` (deploy/install.sh)."
            ) from error
        try:
            self._llm: Any = Llama(
                model_path=str(model_path),
                n_ctx=context,
                n_threads=threads or os.cpu_count() or 2,
                n_gpu_layers=gpu_layers,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as error:
            raise GeneratorUnavailableError(
                f"Could not load the language model {model_path}: {error}. Check the file "
                "(`guichet models pull`) and GUICHET_LLM_CONTEXT / GUICHET_LLM_GPU_LAYERS."
            ) from error
        self.name = name
        self.queue = queue
        self.context = context

    def reset_cache(self) -> None:
        """Forget the evaluated prefix, so that the next prompt is processed in full."""
        with self.queue.turn():
            self._llm.reset()

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[str]:
        """Generate under the queue's lock; stop at max_tokens or the time limit."""
        with self.queue.turn():
            started = time.monotonic()
            chunks = self._llm.create_chat_completion(
                messages=list(messages),
                max_tokens=options.max_tokens,
                temperature=options.temperature,
                stop=list(options.stop) or None,
                repeat_penalty=options.repeat_penalty,
                stream=True,
            )
            try:
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
                    if time.monotonic() - started > options.timeout_s:
                        break
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()


class OpenAICompatibleGenerator:
    """Any server speaking the OpenAI chat-completions API, streamed over HTTP."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None,
                 connect_timeout_s: float = 5.0) -> None:  # fmt: skip
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(connect=connect_timeout_s, read=300.0, write=30.0, pool=30.0),
        )
        self._base_url = base_url
        self.name = model

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[str]:
        """POST /chat/completions with stream=true and yield the content deltas."""
        import httpx

        body = {
            "model": self.name,
            "messages": list(messages),
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
            "stream": True,
        }
        if options.stop:
            body["stop"] = list(options.stop)
        started = time.monotonic()
        try:
            with self._client.stream("POST", "/chat/completions", json=body) as response:
                if response.status_code == 503 or response.status_code == 429:
                    retry = int(response.headers.get("Retry-After", "5") or 5)
                    raise QueueFullError("Le serveur d'inférence est saturé.", retry)
                if response.status_code >= 400:
                    response.read()
                    raise GeneratorUnavailableError(
                        f"The inference server at {self._base_url} answered "
                        f"{response.status_code}: {response.text[:300]}"
                    )
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    choices = json.loads(data).get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        yield piece
                    if time.monotonic() - started > options.timeout_s:
                        break
        except httpx.TransportError as error:
            raise GeneratorUnavailableError(
                f"Cannot reach the inference server at {self._base_url} ({error}). Start it, or "
                "set GUICHET_LLM_BACKEND=llama_cpp to run the model in this process."
            ) from error

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()
