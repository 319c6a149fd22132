"""The régie's pages: provider callbacks (provider), citizens' (citizen) and the régisseur's (agent)."""
