"""Subsidies: the town's yearly campaigns, the associations' requests (a démarche), their instruction,
the committee's decision within the envelope, and the financial report afterwards."""
