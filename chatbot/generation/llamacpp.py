"""A GGUF model run in this process by llama-cpp-python, behind the admission queue."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chatbot.domain import GeneratorUnavailableError
from chatbot.generation.queue import RequestQueue
from chatbot.ports import GenerationOptions, Message, TextStream


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
        prompt_lookup_tokens: int = 0,
    ) -> None:
        """`prompt_lookup_tokens` > 0 turns on prompt-lookup speculative decoding: that many
        tokens are drafted by copying what followed the last n-gram elsewhere in the prompt
        (answers quote their sources), and verified in one batch by the model."""
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
                draft_model=_prompt_lookup(prompt_lookup_tokens),
                # 0.3.36 sizes its score buffer from this argument, not from the draft model:
                # without it the draft path overflows the buffer past n_batch tokens.
                logits_all=prompt_lookup_tokens > 0,
            )
        except (ValueError, RuntimeError) as error:
            raise GeneratorUnavailableError(
                f"Could not load the language model {model_path}: {error}. Check the file "
                "(`guichet models pull`) and GUICHET_LLM_CONTEXT / GUICHET_LLM_GPU_LAYERS."
            ) from error
        self.name = name
        self.queue = queue
        self.context = context
        self._grammars: dict[str, Any] = {}
        self.prompt_lookup_tokens = prompt_lookup_tokens

    def _grammar(self, text: str | None) -> Any:
        """The compiled grammar (compiled once per distinct text), or None."""
        if text is None:
            return None
        if text not in self._grammars:
            from llama_cpp.llama_grammar import LlamaGrammar

            self._grammars[text] = LlamaGrammar.from_string(text, verbose=False)
        return self._grammars[text]

    def reset_cache(self) -> None:
        """Forget the evaluated prefix, so that the next prompt is processed in full."""
        with self.queue.turn():
            self._llm.reset()

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> TextStream:
        """Generate under the queue's lock; stop at max_tokens or the time limit."""
        with self.queue.turn():
            started = time.monotonic()
            chunks = self._llm.create_chat_completion(
                messages=list(messages),
                max_tokens=options.max_tokens,
                temperature=options.temperature,
                stop=list(options.stop) or None,
                repeat_penalty=options.repeat_penalty,
                grammar=self._grammar(options.grammar),
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
                chunks.close()

    def close(self) -> None:
        """Free the model's memory."""
        self._llm.close()

    def yes_probability(self, messages: Sequence[Message]) -> float:
        """P(yes) / (P(yes) + P(no)) for the first token of the model's reply to a chat.

        Under the queue's lock, the chat is rendered with the model's own template, only the
        tokens after the longest prefix already in the cache are evaluated (a fixed instruction
        first is evaluated once), and the logits of the next token are read for the first tokens
        of "Oui", "Yes", "Sí", "Sim" against "Non", "No", "Não". Nothing is generated.
        """
        import numpy as np
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        with self.queue.turn():
            llm = self._llm
            template = llm.metadata.get("tokenizer.chat_template")
            if template:
                special = [llm.token_eos(), llm.token_bos()]
                eos, bos = (llm._model.token_get_text(t) if t != -1 else "" for t in special)
                chat: Any = list(messages)
                rendered = Jinja2ChatFormatter(template, eos, bos)(messages=chat)
                prompt, add_bos = rendered.prompt, not rendered.added_special
            else:
                turns = [f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages]
                prompt, add_bos = "".join(turns) + "<|im_start|>assistant\n", True
            tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)
            if len(tokens) >= self.context:
                raise ValueError(f"the check's prompt ({len(tokens)} tokens) exceeds the context")
            cached = llm.longest_token_prefix(llm._input_ids.tolist(), tokens)
            llm.n_tokens = min(cached, len(tokens) - 1)
            llm.eval(tokens[llm.n_tokens :])
            logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),))

            def first_tokens(words: str) -> set[int]:
                return {
                    llm.tokenize(f"{space}{word}".encode(), add_bos=False, special=False)[0]
                    for word in words.split()
                    for space in ("", " ")
                }

            yes_words, no_words = (
                first_tokens("Oui oui Yes yes Sí Sim"),
                first_tokens("Non non No no Não"),
            )
            yes, no = sorted(yes_words - no_words), sorted(no_words - yes_words)
            top = float(np.max(logits[yes + no]))
            p_yes = float(np.sum(np.exp(logits[yes] - top)))
            p_no = float(np.sum(np.exp(logits[no] - top)))
            return p_yes / (p_yes + p_no) if p_yes + p_no > 0 else 0.5


def _prompt_lookup(tokens: int) -> Any:
    """llama-cpp-python's prompt-lookup draft model, or None when `tokens` is 0."""
    if tokens <= 0:
        return None
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    return LlamaPromptLookupDecoding(max_ngram_size=3, num_pred_tokens=tokens)
