# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/zorgpad db upgrade
	$(BIN)/zorgpad deploy processes forms
	$(BIN)/zorgpad seed-demo
	$(BIN)/zorgpad serve --embedded-worker

lint: install
	$(BIN)/ruff check .

test: install
	bash scripts/ensure-postgres.sh
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: install
	bash scripts/ensure-postgres.sh
	$(PY) bench/loop_growth.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
