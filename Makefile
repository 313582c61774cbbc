# okrsync developer entry points. Every target sets up .venv itself, so a fresh clone needs
# only python3 (3.11+) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck unit demo bench soak clean i18n-update i18n-compile i18n-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The compiled catalogues, refreshed whenever their .po changed (a pull or rebase brings new
# entries); a stale .mo is never read, but reading the .po instead costs every process ~0.1 s.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard okrsync/locale/*/LC_MESSAGES/okrsync.po))

$(CATALOGUES): %.mo: %.po | $(STAMP)
	$(BIN)/python -m okrsync.i18n.extraction compile

install: $(STAMP) $(CATALOGUES)

lint: install
	$(BIN)/ruff check okrsync okrsync_sandbox connectors tests benchmarks
	$(BIN)/ruff format --check okrsync okrsync_sandbox connectors tests benchmarks

typecheck: install
	$(BIN)/mypy okrsync okrsync_sandbox connectors/okrsync_notion connectors/okrsync_confluence \
		connectors/okrsync_teams connectors/okrsync_slack connectors/okrsync_email

# Four workers on two cores: part of the suite waits (loopback servers, deadlines, subprocesses
# starting), so more workers than cores keep both cores busy; the rest is CPU, and the CPU time
# bounds the wall time. Pytest and every process it starts used 485 s of CPU in all on
# 2026-12-06 (4:51 in CI), 299 s after that day's changes (one played demo shared by the e2e
# files, matplotlib imported only by a process that draws, charts drawn 4x cheaper): about
# 2:30 on 2 cores at best (CPU summed per test with getrusage, self and children, -n 3).
# --dist loadfile keeps a file's module fixtures in one worker; the one played demo is shared
# across workers through a file lock (tests/e2e/played_demo.py).
unit: install
	$(BIN)/pytest -q -m "not soak" -n 4 --dist loadfile

test: lint typecheck unit

demo: install
	$(BIN)/okrsync demo --out demo-output

bench: install
	$(BIN)/python -m benchmarks.run --out benchmarks/results.json

soak: install
	$(BIN)/pytest -q -m soak tests/reliability
	OKRSYNC_HYPOTHESIS_PROFILE=explore $(BIN)/pytest -q -m "not soak" tests/unit

# The message catalogues (docs/languages.md): i18n-update extracts the messages the code marks
# (babel.cfg) into every okrsync/locale/*/LC_MESSAGES/okrsync.po, sorted and without line
# numbers; translate the new entries, then i18n-check lists anything still missing or fuzzy.
# i18n-compile writes the .mo files (the wheel's build hook and `make install` do it too; a
# .po newer than its .mo is read directly, so an edit shows without compiling).
i18n-update: install
	$(BIN)/python -m okrsync.i18n.extraction update

i18n-compile: install
	$(BIN)/python -m okrsync.i18n.extraction compile

i18n-check: install
	$(BIN)/python -m okrsync.i18n.extraction check

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
