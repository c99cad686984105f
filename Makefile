# The two commands of README.md: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app webapp

.PHONY: run test install install-test browser

run: install  ## install, migrate, load the demo events, run the mail worker, serve on http://127.0.0.1:5000
	bash scripts/run-demo

test: install-test browser  ## install with the test extra and run the tests
	$(BIN)/pytest

install: $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -e .

install-test: $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'

browser:  ## Debian's Chromium for the browser tests (Playwright's own download does not work here)
	@bash scripts/ensure-chromium

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
