"""demarches: built by its own issue."""
