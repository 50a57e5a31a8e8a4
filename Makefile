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
PYTEST_ARGS ?= -n auto

.PHONY: setup run demo test lint format check-deploy clean assets system-deps bench

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
	$(PY) manage.py ensure_admin --login-url http://$(HOST):$(PORT)/login
	$(PY) manage.py runserver $(HOST):$(PORT)

# System packages the tests use: pdftotext (bill PDF text checks), Chromium (browser tests),
# Noto fonts (the bill PDF's first choice; DejaVu is the fallback). Installed when running as
# root with apt; otherwise named, and the browser tests are skipped. HarfBuzz-Subset lets
# WeasyPrint subset the bill's fonts natively (without it, fontTools does it in Python: the
# first render of a bill PDF takes several times longer).
SYSTEM_PACKAGES := poppler-utils chromium fonts-noto-core libharfbuzz-subset0

system-deps:
	@missing=""; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v chromium >/dev/null 2>&1 || test -x "$${CHROMIUM:-/nonexistent}" || missing="$$missing chromium"; \
	test -d /usr/share/fonts/truetype/noto || missing="$$missing fonts-noto-core"; \
	ls /usr/lib/*/libharfbuzz-subset.so.0 >/dev/null 2>&1 || missing="$$missing libharfbuzz-subset0"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "NOTE: missing system packages:$$missing (sudo apt-get install$$missing)."; \
	    echo "      Without chromium the browser tests in e2e/ are SKIPPED."; \
	  fi; \
	fi

# A small demo shop (staff, customers, devices in every state, bills, leads) to click around.
demo: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_admin --login-url http://$(HOST):$(PORT)/login
	$(PY) manage.py demo_data

test: setup system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# Ten years of data, key pages, budgets (bench/README.md). Needs PostgreSQL on 127.0.0.1:5432;
# about 10 minutes, plus ~3 minutes the first time each day to build the large database.
bench: setup
	$(PY) bench/run.py $(BENCH_ARGS)

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
