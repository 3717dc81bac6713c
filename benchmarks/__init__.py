"""Performance and quality measurements, run by `make bench`."""
