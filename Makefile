# The developer loop. PYTHON defaults to the project venv when there is one; override it:
#   make fast PYTHON=.venv/bin/python
PYTHON ?= $(shell [ -x /work/venv/bin/python ] && echo /work/venv/bin/python || echo .venv/bin/python)
BIN := $(dir $(PYTHON))
export PYTHONPATH := .

.PHONY: test fast lint docs

# Everything, as CI runs it (the README's command).
test:
	$(PYTHON) -m pytest -q -p no:cacheprovider

# Everything but the tests marked slow (property examples by the thousand, subprocesses,
# figures), on every core (pytest-xdist, in the dev extra): under two minutes here.
fast:
	$(PYTHON) -m pytest -q -p no:cacheprovider -m "not slow" -n auto

lint:
	$(BIN)ruff check .
	$(BIN)ruff format --check .
	$(BIN)mypy

# Rewrite the output blocks of README.md and docs/ from the commands they show.
docs:
	$(PYTHON) tests/sync_docs.py
