"""The safety policy: questions to decline, emergencies to answer at once, answers to clean.

`SafetyPolicy(embedder).check_question(question, language)` decides before retrieval;
`check_answer(text, language, allowed_domains, official_contacts)` cleans the final answer.
"""

from chatbot.safety.emergency import emergency_answer
from chatbot.safety.output import DEFAULT_ALLOWED_DOMAINS, Finding, contact_strings, filter_answer
from chatbot.safety.policy import (
    AnswerCheck,
    SafetyDecision,
    SafetyPolicy,
    Thresholds,
    thresholds_for,
)

__all__ = [
    "DEFAULT_ALLOWED_DOMAINS",
    "AnswerCheck",
    "Finding",
    "SafetyDecision",
    "SafetyPolicy",
    "Thresholds",
    "contact_strings",
    "emergency_answer",
    "filter_answer",
    "thresholds_for",
]
