# The README's verbs. Every target sets up .venv itself on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run serve test lint bench worker migrate clean chromium

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Development settings for the manage.py commands the README shows (git-ignored, written once;
# environment variables win over it).
.env:
	@(umask 077 && $(PYTHON) -c 'import secrets; print("# Written by make run for development; environment variables win.\nSECRET_KEY=" + secrets.token_urlsafe(50) + "\nDEBUG=true")' > $@)
	@echo "Wrote .env (a generated SECRET_KEY and DEBUG=true, for development only)."

migrate: $(VENV)/.runtime | .env
	DEBUG=true $(PY) manage.py migrate --noinput -v 0

# PORT reaches the settings too: the default PUBLIC_BASE_URL follows it.
run: migrate
	DEBUG=true PORT=$(PORT) $(PY) manage.py demo_setup --port $(PORT)
	DEBUG=true PORT=$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The production layout on loopback from the current environment (docs/serving.md): gunicorn
# from gunicorn.conf.py, plus a Celery worker with beat when CELERY_BROKER_URL is set. DEBUG is
# off; cookies are not Secure-only unless you say so (plain http on loopback).
serve: migrate
	DEBUG=false $(PY) manage.py collectstatic --noinput -v 0
	DEBUG=false PORT=$(PORT) SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-false} \
	  CSRF_COOKIE_SECURE=$${CSRF_COOKIE_SECURE:-false} $(PY) -m thrad.serve

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A thrad worker -B --loglevel INFO --without-gossip --without-mingle

# The browser tests need Debian's Chromium: installed when missing and we may (root, apt-get).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq chromium) || echo "could not install chromium" >&2; \
	  else \
	    echo "chromium not found and not installable here (needs root and apt-get): the browser tests will be skipped" >&2; \
	  fi; }

test: $(VENV)/.dev chromium
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

bench: $(VENV)/.dev
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf .pytest-tmp .bench-tmp staticfiles
