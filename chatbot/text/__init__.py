"""Text toolkit: lexical analysis, language detection, sentences."""
