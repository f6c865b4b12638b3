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

# The main job on built-in defaults: prepare the bundled Allison demo corpus (a clean, reported training set),
# speak the course-like demo lines with the bundled joe voice, and score joe against the real Allison recordings
# (ASR round trip, speaker similarity, DNSMOS) in an HTML report. Fine-tuning joe toward Allison joins the demo
# once transfer learning (issue 6) reaches its quality targets.
DEMO := out/demo
demo: $(STAMP)
	$(VENV)/bin/voxtune prepare examples/allison-demo -o $(DEMO)/data --voice joe
	$(VENV)/bin/voxtune synthesize --voice joe -i examples/demo.txt -o $(DEMO)/joe-demo.wav --sentence-silence 0.4
	$(VENV)/bin/voxtune evaluate joe --data examples/allison-demo --split dev --refs examples/allison-demo \
		-o $(DEMO)/report
	@echo "demo: corpus report $(DEMO)/data/report.html, audio $(DEMO)/joe-demo.wav, report $(DEMO)/report/index.html"

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
