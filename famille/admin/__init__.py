"""Configuration screens of the family app, one module per part."""
