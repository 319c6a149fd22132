"""Cross-cutting security of the portal: headers, idle sessions, re-authentication, passwords, logs.

Not an app (no models): middleware and helpers that settings.py and the views name.

- `middleware.SecurityHeadersMiddleware`: Permissions-Policy on every response, and
  `Cache-Control: no-store` on every personal response (signed-in visitor, back office,
  a response that sets a cookie), never on what declares itself public (static files,
  public images, the town's stylesheet).
- `middleware.IdleSessionMiddleware`: a session left idle 30 minutes (citizens) or 15
  (agents and staff) is flushed server-side; the next page says so and keeps `next`.
- `reauth.reauthentication_required`: the decorator of sensitive actions (password or
  TOTP code again, at most REAUTHENTICATION_TIMEOUT seconds before).
- `passwords.CommonPasswordValidator`: the common-passwords list, also against the
  password stripped of the digits and symbols people add to a common word.
- `logs.RedactingFilter`: e-mail addresses, IBANs, card numbers, phone numbers and secrets
  in URLs are masked in every log record the project's handlers write.
"""
