"""coffre: built by its own issue."""
