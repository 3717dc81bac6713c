"""Answering: the pipeline, prompts, citations, guards, messages, contacts, turns."""
