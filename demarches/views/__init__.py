"""The citizen's pages of the démarches: the catalogue, filling a request, following it."""
