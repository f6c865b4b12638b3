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

# The main job on built-in defaults: prepare the bundled Allison demo corpus, fine-tune the bundled joe voice on it
# (recovering joe's posterior encoder first: the ONNX export has none), then score joe before and after against
# the real recordings and write the HTML report.
DEMO := out/demo
demo: $(STAMP)
	$(VENV)/bin/voxtune prepare examples/allison-demo -o $(DEMO)/data --voice joe
	rm -rf $(DEMO)/run
	$(VENV)/bin/voxtune finetune --base joe --data $(DEMO)/data -o $(DEMO)/run \
		--recovery-steps 150 --recovery-utterances 60 \
		strategy=timbre learning_rate=1e-4 max_steps=40 per_device_train_batch_size=4 eval_steps=20 save_steps=20
	$(VENV)/bin/voxtune evaluate joe $(DEMO)/run --data examples/allison-demo --split dev \
		--refs examples/allison-demo -o $(DEMO)/report
	@echo "demo report: $(DEMO)/report/index.html"

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
