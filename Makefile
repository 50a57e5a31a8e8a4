# TELITE: `make run` serves the app on SQLite; `make test` runs the whole suite.
# Both set up everything they need on a fresh machine (virtual environment, packages,
# front-end assets from npm, database migrations).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: setup run test lint format check-deploy clean assets

setup: $(STAMP) node_modules/.installed

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch node_modules/.installed

assets: node_modules/.installed

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_admin
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	@command -v chromium >/dev/null 2>&1 || test -x "$${CHROMIUM:-/usr/bin/chromium}" || \
	  echo "NOTE: Chromium is not installed, so the browser tests in e2e/ will be SKIPPED." \
	       "Install it with: apt-get install chromium"
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-deploy: setup
	DEBUG=False ALLOWED_HOSTS=telite.example.in \
	SECRET_KEY=ci-only-$$(printf '%064d' 0)-not-a-real-secret-key \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
