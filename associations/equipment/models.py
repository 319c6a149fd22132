"""equipment tables."""
