"""regie: built by its own issue."""
