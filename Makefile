# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs what running needs; `make test` adds the test tools.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint unit clean translations

# axe-core, for the accessibility tests only (never served to users).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(RUN_STAMP) $(TEST_STAMP)

run: $(RUN_STAMP)
	$(BIN)/reprisal-admin init
	./deploy/run-local.sh

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint node_modules/.package-lock.json
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The admin app's catalogue (docs/translations.md): extract every string of admin/, merge it into the
# French and Spanish catalogues (new strings come in empty or fuzzy: translate them, remove the fuzzy
# flags, run this again), and compile. tests/admin/test_admin_languages.py fails until all are done.
translations:
	$(BIN)/pybabel extract -F admin/babel.cfg -k _l --project=reprisal-admin --version=0.1.0 \
		-w 100 -o admin/translations/messages.pot .
	$(BIN)/pybabel update -i admin/translations/messages.pot -d admin/translations -w 100
	$(BIN)/pybabel compile -d admin/translations --statistics
