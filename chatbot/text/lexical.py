"""BM25-style sparse vectors for French: accents, elision, stop words and stemming handled.

Documents get BM25 term-frequency weights (saturation k1, length normalisation b against a fixed
average length); queries get weight 1 per distinct term. Qdrant's IDF modifier on the sparse
vector supplies the inverse document frequency, so the dot product is the BM25 score.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import snowballstemmer

from chatbot.domain import SparseVector

# Elided articles and pronouns: l'école, d'eau, qu'il, jusqu'à, lorsqu'on…
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’ʼ]", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Common French function words, written without accents (matching is done after folding).
FRENCH_STOP_WORDS = frozenset(
    """
    a ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient aurais
    aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels
    avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons bon c ca car
    ce ceci cela celle celles celui cependant certain certaine certaines certains ces cet cette
    ceux chacun chacune chaque chez ci comme comment d dans de des deja desquelles desquels
    dessous dessus deux doit donc dont du duquel durant elle elles en encore entre es est et
    etaient etais etait etant etiez etions etre eu eue eues eurent eus eut eux fait faut fois
    font ici il ils j je jusqu l la laquelle le lequel les lesquelles lesquels leur leurs lors
    lorsque lui m ma mais me meme memes mes moi mon n ne ni non nos notre nous on ont ou par
    parce pas peu peut peuvent plus pour pourquoi puis qu quand que quel quelle quelles quels
    qui quoi s sa sans se selon ses si sien sienne son sont sous soyez sur t ta tandis te tes
    toi ton tous tout toute toutes tres tu un une unes uns vers voici voila vos votre vous y
    """.split()  # noqa: SIM905
)

TOKEN_SPACE = 2**31 - 1


def fold(text: str) -> str:
    """Lower-case and strip accents (é→e, œ→oe), keeping letters and digits."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("french")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball French stem of a folded word (cached: words repeat a lot)."""
    result: str = _stemmer().stemWord(word)
    return result


def tokenize(text: str) -> list[str]:
    """Split French text into stemmed, accent-free terms without elisions or stop words."""
    without_elision = _ELISION.sub(" ", text)
    words = _WORD.findall(fold(without_elision))
    kept = [w for w in words if w not in FRENCH_STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return [stem(word) for word in kept]


def term_id(term: str) -> int:
    """A stable 31-bit id for a term (the same across processes and machines)."""
    digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % TOKEN_SPACE


class FrenchBM25Encoder:
    """Encode documents and queries as sparse vectors for a BM25 search with Qdrant's IDF."""

    def __init__(self, k1: float = 1.2, b: float = 0.75, average_length: float = 120.0) -> None:
        self.k1 = k1
        self.b = b
        self.average_length = average_length

    def encode_document(self, text: str) -> SparseVector:
        """BM25 term-frequency weights of a document's terms."""
        terms = tokenize(text)
        counts = Counter(terms)
        length_norm = 1 - self.b + self.b * len(terms) / self.average_length
        weights = {
            term: count * (self.k1 + 1) / (count + self.k1 * length_norm)
            for term, count in counts.items()
        }
        return _to_sparse(weights)

    def encode_query(self, text: str) -> SparseVector:
        """Weight 1 for each distinct query term."""
        return _to_sparse(dict.fromkeys(tokenize(text), 1.0))


def _to_sparse(weights: dict[str, float]) -> SparseVector:
    merged: dict[int, float] = {}
    for term, weight in weights.items():
        index = term_id(term)
        merged[index] = merged.get(index, 0.0) + weight
    ordered = sorted(merged.items())
    return SparseVector(
        indices=tuple(i for i, _ in ordered), values=tuple(float(v) for _, v in ordered)
    )
