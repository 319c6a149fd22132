# Guichet production image: gunicorn for the web, the same image for Celery.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# WeasyPrint needs Pango; gettext compiles the translations; the PostgreSQL 15 client tools make
# the backups (`manage.py backup`), matching the server of docker-compose.yml.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --system --home /app guichet \
    && DJANGO_DEBUG=false SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput \
    && DJANGO_DEBUG=false SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py compilemessages --ignore '.venv/*' \
    && mkdir -p /app/var/media /app/var/coffre /app/var/exports /app/var/backups /app/var/shredding /tmp/prometheus \
    && chown -R guichet /app/var /tmp/prometheus
USER guichet
EXPOSE 8000
CMD ["gunicorn", "guichet.wsgi", "--config", "guichet/gunicorn.conf.py"]
