"""The subsidies' pages: the association's (members) and the vie associative service's (agents)."""
