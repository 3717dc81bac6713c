"""Any server speaking the OpenAI chat-completions API (llama.cpp's server, vLLM), over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from chatbot.domain import GeneratorUnavailableError, QueueFullError
from chatbot.ports import AdmissionQueue, GenerationOptions, Message, TextStream


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
        self.queue: AdmissionQueue | None = None  # the server queues requests itself

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> TextStream:
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
        if options.grammar:  # llama.cpp's servers take a GBNF grammar; others ignore the field
            body["grammar"] = options.grammar
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
