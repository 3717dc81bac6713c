"""Evaluation of Guichet's retrieval and answers."""
