"""JSON routes of the API."""
