# voxtune developer entry points. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

.PHONY: demo test install lint typecheck clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch is pinned to the CPU build here; pyproject keeps a wide range for GPU users.
# resemblyzer is installed without its deps: it asks for `webrtcvad`, which needs a compiler and headers,
# while `webrtcvad-wheels` provides the same module prebuilt.
$(STAMP): $(PY) pyproject.toml Makefile
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[eval,dev]'
	$(PIP) install -q webrtcvad-wheels
	$(PIP) install -q --no-deps resemblyzer
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/voxtune demo -o out/demo

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
