"""Retrieval: embeddings, the Qdrant index, hybrid fusion, the retriever."""
