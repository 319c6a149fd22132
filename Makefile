# Guichet — two commands: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BIN := $(shell command -v python3.12 2>/dev/null || command -v python3.13 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Tests run in parallel on two workers (one per core of the reference machine).
TEST_WORKERS ?= 2

.PHONY: help demo setup-demo serve test lint check-python install db stop-db messages bench clean

help:
	@echo "make demo   set up and serve the portal with demo data on http://127.0.0.1:8000"
	@echo "make test   run the whole test suite (lint included)"
	@echo "make lint   ruff, migrations check and deployment check"

check-python:
	@$(PYTHON_BIN) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || \
	  { echo "Guichet needs Python 3.12 or newer (Django 6.1). Found: $$($(PYTHON_BIN) --version 2>&1). Install python3.12."; exit 1; }

$(STAMP): pyproject.toml | check-python
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

messages: install
	@# The compiled catalogues are committed too, for machines without gettext's msgfmt.
	@if command -v msgfmt >/dev/null && ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
	  $(MANAGE) compilemessages --ignore '.venv/*' -v 0; fi

demo: setup-demo serve

setup-demo: install messages
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) seed_demo

serve:
	@echo "Guichet: http://127.0.0.1:8000  (e-mails: console and var/mail/)"
	$(MANAGE) runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run -v 0
	DJANGO_DEBUG=false SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=guichet.example.fr REDIS_URL=redis://127.0.0.1:6379/0 \
	  COFFRE_KEKS=lint:$$($(PY) -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())') \
	  $(MANAGE) check --deploy --fail-level WARNING

test: install messages lint
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)
	@# The vault's tests again, its blobs on a local S3 server (moto): ~1.5 min. The test databases
	@# the run above made (or kept) are reused (--reuse-db); PYTEST_ARGS_S3=--create-db to rebuild them.
	GUICHET_TEST_STORAGE=s3 $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup tests/coffre $(PYTEST_ARGS_S3)

bench: install
	$(PIP) install -q -e '.[dev,bench]'
	$(PY) bench/run.py $(BENCH_ARGS)

db: install
	@$(PY) -m guichet.devdb

stop-db: install
	$(PY) -m guichet.devdb stop

clean:
	rm -rf var/ .pytest_cache
