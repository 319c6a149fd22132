"""Health, readiness and observability of the running processes (issue 10).

- `/healthz`: the process answers (no database, no session); `/readyz`: the services it needs answer
  (databases, Redis, a Celery worker and the beat, the storages), checks.py;
- structured logs: the request id on every record (the context of guichet/context.py), JSON lines in
  production, redacted as before (logs.py);
- the request id carried into Celery tasks, the worker's and the beat's heartbeats (celery.py);
- Prometheus metrics at `/metrics`, for the client addresses of METRICS_ALLOWED_IPS or the bearer of
  METRICS_TOKEN (metrics.py). Under gunicorn's several processes, set PROMETHEUS_MULTIPROC_DIR.
"""
