# The two commands of README.md: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app webapp

.PHONY: run test lint install install-test install-dev browser nginx checkers messages

run: install  ## install, migrate, load the demo events, run the mail worker, serve on http://127.0.0.1:5000
	bash scripts/run-demo

test: install-test browser nginx checkers  ## install with the test extra and run the tests
	$(BIN)/pytest

lint: install-dev  ## ruff: style, unused code, import order
	$(BIN)/ruff check .

install: $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	$(BIN)/pybabel -q compile -d translations
	$(BIN)/pybabel -q compile -d translations -D flask_security

install-test: $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	$(BIN)/pybabel -q compile -d translations
	$(BIN)/pybabel -q compile -d translations -D flask_security

install-dev: $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'

messages:  ## after changing user-facing strings: update the catalogs, then translate the new entries
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

browser:  ## Debian's Chromium for the browser tests (Playwright's own download does not work here)
	@bash scripts/ensure-chromium

checkers:  ## the Nu HTML Checker (vnu-jar, with Java) and axe-core for tests/test_html.py
	@bash scripts/ensure-checkers

nginx:  ## Debian's nginx for the cluster test (nginx in front of two app servers)
	@bash scripts/ensure-nginx

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
