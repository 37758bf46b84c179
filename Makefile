# Two commands: `make run` (the whole app on embedded defaults) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils fonts-dejavu-core fonts-noto-color-emoji gnupg

export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: run test lint format bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

## run: web server, Celery worker and beat in the foreground (Ctrl-C stops all three)
run: export DEBUG ?= 1
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_practice
	$(BIN)/honcho --procfile practice/Procfile --app-root . start

## test: the whole suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set)
test: $(VENV)/.installed-dev
	$(BIN)/pytest

## bench: seed a large practice on PostgreSQL (once) and print performance figures
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/practice_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/2
bench: export DEBUG = 0
bench: export SECRET_KEY ?= benchmark-only-key-not-for-any-server-0123456789abcdefghijkl
bench: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench: export REDIS_URL = $(BENCH_REDIS_URL)
bench: $(VENV)/.installed
	$(BIN)/python -c "$$CREATE_BENCH_DATABASE"
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py bench $(BENCH_ARGS)

define CREATE_BENCH_DATABASE
import os, psycopg
url = os.environ["DATABASE_URL"]
base, name = url.rsplit("/", 1)
with psycopg.connect(base + "/postgres", autocommit=True) as db:
    if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        db.execute(f'CREATE DATABASE "{name}"')
endef
export CREATE_BENCH_DATABASE

## lint: ruff and the layers contract (import-linter), as CI runs it
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## system-deps: Debian packages for PDF rendering, browser tests and backups (needs root)
system-deps:
	@if dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 && command -v pg_dump >/dev/null; then \
	echo "System packages present."; \
	else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) \
	$$(command -v pg_dump >/dev/null || echo postgresql-client); fi

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache staticfiles
