"""Cut a document's blocks into chunks that follow its structure (sections, paragraphs, pages)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from chatbot.domain import Block
from chatbot.text.sentences import split_sentences as split_sentences  # re-exported
from ingestion.loaders.tables import is_markdown_table, split_markdown_table


@dataclass(frozen=True)
class ChunkText:
    """A chunk's text and where it sits in the document."""

    text: str
    headings: tuple[str, ...]
    page: int | None
    ocr: bool = False  # read by OCR from a scanned page


@dataclass
class _Section:
    headings: tuple[str, ...]
    page: int | None
    parts: list[str]
    ocr: bool = False

    def size(self) -> int:
        return sum(len(part) + 1 for part in self.parts)


def _split_long(piece: str, size: int) -> list[str]:
    """Cut a piece longer than size at word boundaries."""
    words, out, current = piece.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > size:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        out.append(current)
    return out


def _sections(blocks: Sequence[Block]) -> list[_Section]:
    """Consecutive blocks with the same headings, page and OCR mark form one section."""
    sections: list[_Section] = []
    for block in blocks:
        last = sections[-1] if sections else None
        if last and (last.headings, last.page, last.ocr) == (block.headings, block.page, block.ocr):
            last.parts.append(block.text)
        else:
            sections.append(_Section(block.headings, block.page, [block.text], block.ocr))
    return sections


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    prefix = []
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix.append(x)
    return tuple(prefix)


def _merge_small(sections: list[_Section], size: int) -> list[_Section]:
    """Merge neighbouring short sections of one page; sub-headings move into the text."""
    merged: list[_Section] = []
    for section in sections:
        last = merged[-1] if merged else None
        same_page = last and (last.page, last.ocr) == (section.page, section.ocr)
        if last and same_page and last.size() + section.size() <= size:
            common = _common_prefix(last.headings, section.headings)
            if last.headings != common:
                last.parts = [*last.headings[len(common) :], *last.parts]
            extra = section.headings[len(common) :]
            last.parts.extend([*extra, *section.parts])
            last.headings = common
        else:
            merged.append(
                _Section(section.headings, section.page, list(section.parts), section.ocr)
            )
    return merged


def _pack(parts: Sequence[str], size: int, overlap: int) -> Iterator[str]:
    """Pack pieces into texts of at most size characters, repeating up to overlap between them."""
    pieces: list[str] = []
    for part in parts:
        if len(part) <= size:
            pieces.append(part)
            continue
        if is_markdown_table(part):  # cut between rows, the header repeated in each piece
            pieces.extend(split_markdown_table(part, size))
            continue
        for sentence in split_sentences(part):
            pieces.extend(_split_long(sentence, size) if len(sentence) > size else [sentence])
    current: list[str] = []
    length = 0
    for piece in pieces:
        if current and length + len(piece) + 1 > size:
            yield "\n".join(current)
            carried: list[str] = []
            carried_length = 0
            for previous in reversed(current):
                if carried_length + len(previous) + 1 > overlap:
                    break
                carried.insert(0, previous)
                carried_length += len(previous) + 1
            if carried_length + len(piece) + 1 > size:
                carried, carried_length = [], 0
            current, length = carried, carried_length
        current.append(piece)
        length += len(piece) + 1
    if current:
        yield "\n".join(current)


def chunk_blocks(blocks: Sequence[Block], size: int, overlap: int) -> list[ChunkText]:
    """Chunks of at most size characters that never cross a page and keep their heading path."""
    chunks: list[ChunkText] = []
    for section in _merge_small(_sections(blocks), size):
        for text in _pack(section.parts, size, overlap):
            chunks.append(ChunkText(text, section.headings, section.page, section.ocr))
    return chunks
