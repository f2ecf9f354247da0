# Two entry points for a fresh machine: `make demo` and `make test`.
# Each bootstraps .venv on its own (uv when it can be had, pip otherwise).
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: demo test lint install ui clean-venv

$(STAMP): pyproject.toml
	@# Debian's Chromium draws the CIL pack's charts (kaleido) and runs the site's browser tests (Playwright's
	@# driver from its wheel, given this executable: no `playwright install`, nothing downloaded at run time)
	command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends chromium; } \
	  || { echo "Chromium manquant : installez le paquet Debian chromium (apt-get install chromium) en root."; exit 1; }
	test -x $(PY) || python3 -m venv $(VENV)
	if command -v uv >/dev/null 2>&1 || $(PY) -m pip install -q uv; then \
	  uv pip install --compile-bytecode --python $(PY) -e '.[dev]'; \
	else \
	  $(PY) -m pip install -e '.[dev]'; \
	fi
	touch $@
	$(VENV)/bin/python -c "from assets.dbt import ensure_manifest; ensure_manifest()"

install: $(STAMP)

demo: $(STAMP)
	observatoire demo

test: $(STAMP)
	pytest -n 2 --dist loadfile

# Python (ruff: lint and format) and the dbt SQL (sqlfluff, DuckDB dialect, Jinja templater).
lint: $(STAMP)
	ruff check .
	ruff format --check .
	@# sqlfluff's worker processes leave the resource tracker warning about semaphores already released
	PYTHONWARNINGS=ignore::UserWarning sqlfluff lint dbt_project/models dbt_project/macros

ui: $(STAMP)
	observatoire ui

clean-venv:
	rm -rf $(VENV)
