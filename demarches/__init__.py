"""Démarches: the catalogue of online procedures, their form engine, and requests.

enums.py        themes, audiences, statuses, field kinds, condition operators
models.py       Demarche, FormPage, FormField (the editable form), DemarcheRevision (frozen), Request
schema.py       FormSchema: the form as data, built from the rows and frozen in revisions
conditions.py   the small JSON conditions that show pages and fields
normalise.py    parsing and formatting of phone numbers, amounts, SIRET, IBAN, RNA, date bounds
prefill.py      the prefill registry other apps extend
engine/         page forms, navigation, validation, summary (the API the pages use)
services/       procedures (publish, duplicate); requests (drafts, submission, the applicant's follow-up,
                move(): every status change); instruction (the agents' moves); deadlines; counter
search.py       the agents' full-text search (folded text, PostgreSQL's simple configuration)
workflow.py     the table of allowed status moves, and who makes each
selectors.py    catalogue, published forms, requests of a user, timeline, the "Mes demandes" card
references.py   GN-2026-000123, gapless per year
receipts.py     the acknowledgement PDF (WeasyPrint) and its e-mail; tasks.py sends it through Celery
catalogue/      the town's 38 procedures as JSON, and their loader
admin.py        building forms in the admin, preview, publish, duplicate
forms.py, views/, urls.py, cards.py   the citizen's pages: catalogue, filling a request, Mes demandes
"""
