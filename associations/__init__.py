"""associations: built by its own issue."""
