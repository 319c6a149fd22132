"""famille: built by its own issue."""
