"""HTML pages for staff."""
