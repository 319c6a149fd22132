"""Famille: the family file (dossier unique) and the bookings of canteen, after-school care,
leisure centres, nurseries and the music school, billed monthly through the régie.

enums.py        activity kinds, statuses, pricing modes
models.py       Household, Child (+ health, pick-ups), FamilyDocument, QuotientFamilial, Site, SchoolYear,
                Activity (+ sites, booking rules), Closure, Enrolment, Session, Booking, TariffRule,
                BillingRun, BillingLine, TaxCertificate
perms.py        who may read and change what
services/       family (the file), bookings (sessions, enrolments, bookings, waiting lists), billing, attendance
selectors/      the reads of the parents' and the agents' pages
"""
