"""Backups of the whole portal and their restore: `manage.py backup` and `manage.py restore`."""
