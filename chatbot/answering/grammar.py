"""Citations by construction: a GBNF grammar under which every sentence of the answer ends
with one or more [n] markers, n within the sources shown, or the answer is the no-answer marker.

llama.cpp samples only tokens the grammar allows, so an uncited sentence cannot be written; the
gate still verifies each sentence against the sources it cites. At most `max_sentences`
sentences ("1 to 4 short sentences"). A dot followed by a letter or digit (an address, 1.5) is
text, not the end of a sentence.
"""

from __future__ import annotations

from chatbot.answering.prompts import NO_ANSWER


def citation_grammar(sources: int, max_sentences: int = 4) -> str:
    """The GBNF grammar of an answer citing sources 1..`sources` (1 to 9)."""
    if not 1 <= sources <= 9:
        raise ValueError(f"between 1 and 9 sources can be cited, not {sources}")
    digits = "1" if sources == 1 else f"1-{sources}"
    more = max(0, max_sentences - 1)
    return "\n".join(
        (
            f'root ::= "{NO_ANSWER}" | sentence (sep sentence){{0,{more}}}',
            'sep ::= " " | "\\n"',
            "sentence ::= start text cite+ end",
            "start ::= [^ \\n\\[\\].!?:;-]",
            'text ::= ([^\\n\\[\\].!?] | "." [^ \\n\\[\\].!?])* " "',
            f'cite ::= "[" [{digits}] "]"',
            'end ::= "." | "!" | "?"',
        )
    )
