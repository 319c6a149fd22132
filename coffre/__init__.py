"""coffre: the encrypted document vault.

Where to look: `services` (every change, and `open_plaintext`), `selectors`
(every scoped read), `uploadhandler` (streaming uploads), `crypto` (the format
and the keys), `storage` (where blobs live).
"""
