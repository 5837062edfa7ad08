# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit clean translations

# axe-core, for the accessibility tests only (never served to users).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/reprisal-admin init
	./deploy/run-local.sh

lint: $(STAMP)
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
