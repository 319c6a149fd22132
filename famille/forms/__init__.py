"""Input of the family app's pages, with French messages: one module per part (family, …)."""
