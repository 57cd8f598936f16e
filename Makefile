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

# byte-compiles the project's own modules too (pip does it for the packages it installs, not
# for an editable install's sources, and an environment with PYTHONDONTWRITEBYTECODE never
# caches them): every crawl process would otherwise compile them again (~0.17 s each)
install: $(BIN)/catalogue
	$(BIN)/python -m compileall -q catalogue crawlers normalize pipeline storage bench scheduler.py > /dev/null

demo: install
	$(BIN)/catalogue demo

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) catalogue.db *.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
