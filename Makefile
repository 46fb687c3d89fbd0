# SAS — every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# OpenFisca-France pins an older web stack (gunicorn, numpy): its own environment, its own service.
OPENFISCA_VENV := .venv-openfisca
DEV_ENV := DJANGO_DEBUG=1 SAS_DEMO=1
BENCH ?=

.PHONY: install openfisca browser run test lint format bench check-deploy

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

$(OPENFISCA_VENV)/.installed: openfisca/requirements.txt
	$(PYTHON) -m venv $(OPENFISCA_VENV)
	$(OPENFISCA_VENV)/bin/pip install --quiet --disable-pip-version-check -r openfisca/requirements.txt
	touch $@

openfisca: $(OPENFISCA_VENV)/.installed

# Debian's Chromium for the browser tests (never a browser downloaded by a test tool).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium manquant : sudo apt-get install chromium (les tests navigateur seront ignorés)"; fi; }

run: install openfisca
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py createcachetable
	$(DEV_ENV) $(BIN)/python manage.py importer_communes --wet-run
	$(DEV_ENV) $(BIN)/python manage.py charger_demo --wet-run
	$(DEV_ENV) PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho -f Procfile.dev start

test: install openfisca browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install
	DJANGO_DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=sas.example.org \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: install openfisca
	$(BIN)/python bench/run.py $(BENCH)
