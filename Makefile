# The two commands a newcomer runs: `make run` and `make test` (README).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit integration browser chromium bench clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "python3.11 not found; set PY=/path/to/python3.11"; exit 1; }
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/lease dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy domain projections consumers api infra tests bench

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit tests/scenarios

integration: $(STAMP)
	$(BIN)/pytest -q -m "integration or e2e" tests/integration tests/e2e

# The browser tests (tests/browser) drive the Debian/Ubuntu Chromium, never a Playwright download.
CHROMIUM ?= /usr/bin/chromium

chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium (apt-get) for the browser tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
		|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }; \
	fi; \
	[ -x "$(CHROMIUM)" ] || { echo "the browser tests need Chromium at $(CHROMIUM):"; \
		echo "  sudo apt-get install chromium   (or set CHROMIUM=/path and LEASE_CHROMIUM=/path)"; exit 1; }

browser: $(STAMP) chromium
	LEASE_CHROMIUM=$(CHROMIUM) $(BIN)/pytest -q -m browser tests/browser

# Two pytest workers (the machine's two cores), each with its own PostgreSQL and broker; a
# test file stays on one worker, in order (its module fixtures are built once).
test: lint typecheck chromium
	LEASE_CHROMIUM=$(CHROMIUM) $(BIN)/pytest -q -n 2 --dist loadfile tests

bench: $(STAMP)
	$(BIN)/python bench/commands.py

clean:
	rm -rf $(VENV) .lease .mypy_cache .ruff_cache .pytest_cache
