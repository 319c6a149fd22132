"""The associations' space: its members' pages (account) and the vie associative service's (agent)."""
