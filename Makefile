# Two commands for a newcomer: `make demo` starts the product, `make test` runs the tests.
# Both create the virtualenv in .venv on first use.
VENV ?= .venv
PYTHON ?= python3

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

.PHONY: install demo serve test lint bench
install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(VENV)/bin/intelliproxy demo

serve: $(VENV)/.installed
	$(VENV)/bin/intelliproxy serve

test: $(VENV)/.installed
	$(VENV)/bin/python -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/overhead.py
	$(VENV)/bin/python benchmarks/routing_eval.py
