# The two commands: `make run` starts the whole service desk, `make test` runs every test.
# Both create .venv from pyproject.toml on first use (and again when it changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean browser compose compose-check histories

run: $(STAMP)
	$(BIN)/servicedesk dev

test: $(STAMP) browser compose
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/intake.py

# The replay corpus (tests/histories/README.md): records the scenarios whose files are missing,
# on a dev server of its own (about two minutes). After a deliberate workflow change:
# `make histories TAG=<change>` adds a new set next to the old one; never re-record to make a
# failing replay pass.
histories: $(STAMP)
	$(BIN)/python -m tests.histories.record $(if $(TAG),--tag $(TAG))

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian's Chromium for the portal's browser tests (tests/portal/): installed once, as root
# (CI); otherwise it says how. Playwright itself comes with the dev extra.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "browser tests need Debian's Chromium: sudo apt-get install -y chromium"; fi

# Debian's docker-compose (1.29; no Docker engine needed) to check docker-compose.yml
# (tests/e2e/test_compose.py, compose-check): installed once, as root (CI); otherwise it says how.
compose:
	@if command -v docker-compose >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; \
	else echo "the compose checks need Debian's docker-compose: sudo apt-get install -y docker-compose"; fi

# docker-compose.yml resolves with the placeholder values of .env.example: fails on an invalid
# file or a required value .env.example lacks. (It cannot be run here: no Docker engine.)
compose-check: compose
	docker-compose --env-file .env.example config -q
	@echo "docker-compose.yml is valid"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
