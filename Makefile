# dualflow — `make run` starts the app with demo data, `make test` runs every check.
# Works from a fresh Debian/Ubuntu machine: system packages, virtualenv and install included.

.NOTPARALLEL:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
N ?= 100000
RUN_FLAGS ?= --debug
PYTEST_ARGS ?=

BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
TRANSLATIONS := dualflow/translations
LANGUAGES := fr en

# Debian packages: WeasyPrint (PDF) needs Pango, HarfBuzz's subsetter and a font; the browser
# tests need Chromium; PDF pages are inspected with poppler-utils.
BASE_PACKAGES := python3-venv
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_PACKAGES := chromium poppler-utils

# $(call ensure_packages,list): install what is missing as root, else say how and fail.
define ensure_packages
	@missing=""; \
	for package in $(1); do \
		dpkg -s $$package 2>/dev/null | grep -q '^Status: install ok installed' \
			|| missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing system packages:$$missing"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y$$missing; \
		else \
			echo "Missing system packages:$$missing"; \
			echo "Install them with:  sudo apt-get update && sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi
endef

.PHONY: help run test system-deps system-deps-run install install-test compile-translations \
	migrate demo scale lint translations clean distclean

help:
	@echo "make run          start dualflow on http://127.0.0.1:$(PORT) with demo data and the scheduler"
	@echo "make test         ruff, then the whole test suite (browser tests included); PYTEST_ARGS=..."
	@echo "make migrate      apply database migrations"
	@echo "make demo         load the demo data set (idempotent)"
	@echo "make scale N=...  generated learners (up to N) with everything in proportion"
	@echo "make lint         ruff"
	@echo "make translations extract, update and compile the message catalogues"
	@echo "make system-deps  check (and as root install) the Debian packages"
	@echo "make clean        remove caches and build artefacts (distclean: also .venv and instance/)"

# --- environment -----------------------------------------------------------------------------

system-deps-run:
	$(call ensure_packages,$(BASE_PACKAGES) $(PDF_PACKAGES))

system-deps:
	$(call ensure_packages,$(BASE_PACKAGES) $(PDF_PACKAGES) $(TEST_PACKAGES))

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed (stamp files inside the virtualenv).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

compile-translations:
	@if ls $(TRANSLATIONS)/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(BIN)/pybabel -q compile -d $(TRANSLATIONS); \
	fi

# --- the two commands ------------------------------------------------------------------------

run: system-deps-run install compile-translations migrate demo
	@echo "Serving on http://127.0.0.1:$(PORT) with the scheduler beside it; Ctrl-C stops both."
	@$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT) $(RUN_FLAGS)

test: system-deps install-test compile-translations
	$(BIN)/ruff check dualflow tests wsgi.py
	$(BIN)/pytest $(PYTEST_ARGS)

# --- everyday targets ------------------------------------------------------------------------

migrate: install
	$(FLASK) db upgrade

demo: install migrate
	$(FLASK) demo

scale: install migrate
	$(FLASK) demo --scale $(N)

lint: install-test
	$(BIN)/ruff check dualflow tests wsgi.py

translations: install
	mkdir -p $(TRANSLATIONS)
	$(BIN)/pybabel -q extract -F dualflow/babel.cfg -k _l -k lazy_gettext \
		--ignore-dirs '.* __pycache__' \
		-k lazy_ngettext:1,2 -o $(TRANSLATIONS)/messages.pot --project dualflow .
	@for language in $(LANGUAGES); do \
		if [ -f $(TRANSLATIONS)/$$language/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
				-l $$language --no-fuzzy-matching; \
		else \
			$(BIN)/pybabel -q init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
				-l $$language; \
		fi; \
	done
	$(MAKE) --no-print-directory compile-translations

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache build *.egg-info test-results
	find $(TRANSLATIONS) -name '*.mo' -delete 2>/dev/null || true

distclean: clean
	rm -rf $(VENV) instance
