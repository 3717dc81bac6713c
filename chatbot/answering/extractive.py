"""An extractive backend: answers by quoting the source sentences closest to the question, with
their [n] markers, without a language model (GUICHET_LLM_BACKEND=extractive).

For a machine that cannot run a model, a degraded mode while the inference server is down, and
deterministic browser tests. Its sentences go through the same gate as a model's: verification
still decides what is shown. Prompts other than an answer (the follow-up rewrite) get no text,
so the pipeline falls back to its rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.ports import AdmissionQueue, GenerationOptions, Message, TextStream
from chatbot.text.sentences import content_words, is_claim, split_sentences

_SOURCE = re.compile(r'^\[(\d+)\][^\n]*\n"""\n(.*?)\n"""', re.S | re.M)
_QUESTION = re.compile(r"^QUESTION : (.*)$", re.M)


class ExtractiveGenerator:
    """Quotes at most `sentences` source sentences sharing the most words with the question."""

    name = "extractive"
    queue: AdmissionQueue | None = None

    def __init__(self, sentences: int = 2) -> None:
        self.sentences = sentences

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> TextStream:
        """The chosen sentences, word by word (as a model streams)."""
        prompt = messages[-1]["content"] if messages else ""
        question = _QUESTION.search(prompt)
        if question is None:
            return
        asked = content_words(question.group(1))
        scored = [
            (len(asked & content_words(sentence)), -position, n, sentence)
            for position, (n, text) in enumerate(_SOURCE.findall(prompt))
            for sentence in split_sentences(text)
            if is_claim(sentence)
        ]
        chosen = sorted((s for s in scored if s[0] > 0), reverse=True)[: self.sentences]
        words = " ".join(
            f"{sentence.rstrip('.!?… ')} [{n}]." for _, _, n, sentence in chosen
        ).split(" ")
        for count, word in enumerate(words[: options.max_tokens]):
            yield word if count == 0 else f" {word}"

    def close(self) -> None:
        """Nothing to release."""
