# The two commands a newcomer runs on a fresh machine:
#   make demo   – create .venv, install, crawl the bundled replica into ./catalogue.db
#   make test   – create .venv, install with test deps, run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test clean

$(BIN)/catalogue: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/catalogue

install: $(BIN)/catalogue

demo: install
	$(BIN)/catalogue demo

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) catalogue.db *.egg-info
