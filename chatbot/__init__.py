"""Guichet: a sovereign citizen chatbot answering from a local authority's own documents."""

__version__ = "0.1.0"
