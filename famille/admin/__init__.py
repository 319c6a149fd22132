"""Configuration screens of the family app, one module per part."""

from famille.admin import (
    activities,  # noqa: F401 (part F2: activities, closures, sessions, enrolments)
    billing,  # noqa: F401 (part F3: tariffs, runs, certificates)
    family,  # noqa: F401 (part F1: required documents, sites, school years)
)
