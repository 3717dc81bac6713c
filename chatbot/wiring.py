"""The one place that builds concrete objects from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from chatbot.embedding import SentenceTransformerEmbedder
from chatbot.index import QdrantIndex
from chatbot.lexical import FrenchBM25Encoder
from chatbot.models import model_name, model_path
from chatbot.retrieval import RetrievalOptions, Retriever
from chatbot.settings import Settings


def build_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The sentence-transformers embedder named by the settings (raises if it is missing)."""
    return SentenceTransformerEmbedder(
        model_path(settings, "embedder"),
        name=model_name(settings, "embedder"),
        device=settings.embedding_device,
        batch_size=settings.embedding_batch_size,
    )


def build_index(settings: Settings, embedder: SentenceTransformerEmbedder) -> QdrantIndex:
    """The Qdrant collection for this embedder."""
    return QdrantIndex.open(settings, embedder.name, embedder.dimension)


@dataclass
class SearchServices:
    """What a search needs: embedder, index and retriever, built once."""

    embedder: SentenceTransformerEmbedder
    index: QdrantIndex
    encoder: FrenchBM25Encoder
    retriever: Retriever

    def close(self) -> None:
        """Release the index."""
        self.index.close()


def build_search_services(settings: Settings) -> SearchServices:
    """Embedder, index and retriever for the settings."""
    embedder = build_embedder(settings)
    index = build_index(settings, embedder)
    encoder = FrenchBM25Encoder()
    retriever = Retriever(
        index,
        embedder,
        encoder,
        RetrievalOptions(
            limit=settings.retrieval_k,
            candidates=settings.retrieval_candidates,
            rrf_k=settings.rrf_k,
        ),
    )
    return SearchServices(embedder, index, encoder, retriever)
