# Two commands matter: `make run` (set up and serve) and `make test` (set up and test).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8000
# Empty: gunicorn.conf.py runs one worker per CPU core (at least 2).
WORKERS ?=

.PHONY: run test bench setup setup-dev translations db index demo clean

run: setup db index demo
	@echo "Kameng Help Portal: http://$(HOST):$(PORT)/"
	$(VENV)/bin/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) $(if $(WORKERS),--workers $(WORKERS)) wsgi:app

test: setup-dev
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup-dev
	$(PY) -m bench.run

# The venv is rebuilt only when a requirements file changes.
setup: $(VENV)/.installed translations
setup-dev: $(VENV)/.installed-dev translations node_modules/axe-core/axe.min.js

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# axe-core powers the accessibility checks of the browser tests (package-lock.json pins it).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

translations:
	$(VENV)/bin/pybabel compile -d app/translations

db:
	$(FLASK) db upgrade
	$(FLASK) complaints rebuild-stats --if-stale

index:
	$(FLASK) kb reindex --if-stale

demo:
	$(FLASK) demo seed --if-empty

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules test-results
