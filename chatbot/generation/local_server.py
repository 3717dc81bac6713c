"""A local `python -m llama_cpp.server` on a free loopback port (the evaluation judge)."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from chatbot.domain import GuichetError


class LlamaServerError(GuichetError):
    """The local inference server could not be started."""


def _die_with_parent() -> None:
    """In the child: ask Linux to stop the server when its parent dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalLlamaServer:
    """Serves one GGUF model over the OpenAI API on 127.0.0.1 for as long as the `with` lasts."""

    def __init__(
        self,
        model: Path,
        alias: str,
        context: int = 4096,
        threads: int | None = None,
        gpu_layers: int = 0,
        start_timeout_s: float = 180.0,
    ) -> None:
        if not model.is_file():
            raise LlamaServerError(
                f"Modèle introuvable : {model}. Lancez `guichet models pull` ou réglez GUICHET_LLM_PATH."
            )
        self.model = model
        self.alias = alias
        self.context = context
        self.threads = threads
        self.gpu_layers = gpu_layers
        self.start_timeout_s = start_timeout_s
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log_dir = tempfile.TemporaryDirectory(prefix="guichet-llama-server-")
        self.log_path = Path(self._log_dir.name) / "server.log"

    def start(self) -> str:
        """Start the server and wait until it answers; return its /v1 base URL."""
        port = free_port()
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model),
                   "--model_alias", self.alias, "--host", "127.0.0.1", "--port", str(port),
                   "--n_ctx", str(self.context), "--n_gpu_layers", str(self.gpu_layers)]  # fmt: skip
        if self.threads:
            command += ["--n_threads", str(self.threads)]
        # A file, not a pipe: the model's load log would fill a pipe and block the server.
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
            )
        self.url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise LlamaServerError(
                    f"llama_cpp.server s'est arrêté au démarrage : {self.log_tail()}"
                )
            try:  # loopback: never through an HTTP(S)_PROXY the environment may name
                if httpx.get(f"{self.url}/models", timeout=2, trust_env=False).status_code == 200:
                    return self.url
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        raise LlamaServerError(
            f"llama_cpp.server n'a pas répondu en {self.start_timeout_s:.0f} s : {self.log_tail()}"
        )

    def log_tail(self, chars: int = 1500) -> str:
        """The end of the server's log."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """Stop the server (killed if it does not stop within 30 s)."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> LocalLlamaServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            self._log_dir.cleanup()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
        self._log_dir.cleanup()
