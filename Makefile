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
	mkdir -p out/demo
	$(VENV)/bin/voxtune voices
	$(VENV)/bin/voxtune synthesize --voice joe -i examples/demo.txt -o out/demo/joe.wav --sentence-silence 0.4
	$(VENV)/bin/voxtune import joe -o out/demo/joe.pt
	$(VENV)/bin/voxtune synthesize --voice out/demo/joe.pt -i examples/demo.txt -o out/demo/joe-torch.flac --sentence-silence 0.4
	@echo "demo audio: out/demo/joe.wav (onnx backend), out/demo/joe-torch.flac (voxtune's own model)"

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
