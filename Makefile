# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run run-postgres test lint bench clean diagrams translations screenshots

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

NODE_STAMP := node_modules/.installed-stamp

# Front-end libraries (bpmn-js, Swagger UI) come from the npm registry, pinned by the lock file;
# install scripts are off (no analytics or downloads at install time).
$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

run: install
	$(BIN)/zorgpad db upgrade
	$(BIN)/zorgpad seed-demo
	$(BIN)/zorgpad deploy processes forms
	$(BIN)/zorgpad serve --embedded-worker

# The same on PostgreSQL, as production runs it: migrations as the tables' owner, the service as
# the runtime role that migration 0008 creates (it may add and read audit rows, never change them).
PG_SERVER ?= 127.0.0.1:5432
PG_DATABASE ?= zorgpad
PG_OWNER ?= postgres
PG_RUNTIME_ROLE ?= zorgpad_app
run-postgres: install
	psql -h $(firstword $(subst :, ,$(PG_SERVER))) -U $(PG_OWNER) -d postgres -tAc \
	  "SELECT 1 FROM pg_database WHERE datname = '$(PG_DATABASE)'" | grep -q 1 \
	  || createdb -h $(firstword $(subst :, ,$(PG_SERVER))) -U $(PG_OWNER) $(PG_DATABASE)
	ZORGPAD_MIGRATION_DATABASE_URL=postgresql+psycopg://$(PG_OWNER)@$(PG_SERVER)/$(PG_DATABASE) \
	ZORGPAD_RUNTIME_ROLE=$(PG_RUNTIME_ROLE) \
	ZORGPAD_DATABASE_URL=postgresql+psycopg://$(PG_RUNTIME_ROLE)@$(PG_SERVER)/$(PG_DATABASE) \
	  $(MAKE) run

# Pictures of the diagrams for docs/pathways.md: bpmn-js in Debian's headless Chromium
# (apt-get install chromium); commit the SVGs in docs/img/ after a diagram changes.
diagrams: install
	$(PY) scripts/render_diagrams.py

lint: install
	$(BIN)/ruff check .

test: install
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-browser.sh
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: install
	bash scripts/ensure-postgres.sh
	$(PY) bench/floor_and_library.py
	$(PY) bench/loop_growth.py
	$(PY) bench/service.py
	$(PY) bench/inbox.py
	$(PY) bench/memory.py
	$(PY) bench/insight.py

# Re-extract the web inbox's texts, merge them into the catalogues and compile the .mo files
# (both are committed: a fresh checkout runs without this step).
translations: install
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d app/translations --statistics

screenshots: install
	bash scripts/ensure-browser.sh
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
