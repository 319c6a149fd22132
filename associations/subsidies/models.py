"""subsidies tables."""
