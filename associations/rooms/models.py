"""rooms tables."""
