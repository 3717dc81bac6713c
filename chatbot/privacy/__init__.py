"""Privacy: redaction, person names, pseudonyms, retention."""
