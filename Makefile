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
	$(PIP) install -q -e '.[eval,serve,dev]'
	$(PIP) install -q webrtcvad-wheels
	$(PIP) install -q --no-deps resemblyzer
	touch $(STAMP)

install: $(STAMP)

# The main job on built-in defaults: prepare the bundled Allison demo corpus (a clean, reported training set),
# fine-tune the bundled joe voice toward Allison on it (its posterior encoder is first recovered, since joe ships
# as ONNX only; a short CPU run, 20-30 minutes on two cores), speak the demo lines with the result, and score joe before
# and after against the real Allison recordings (ASR round trip, speaker similarity, DNSMOS) in an HTML report.
DEMO := out/demo
DEMO_TRAIN := max_steps=100 discriminator_warmup_steps=20 per_device_train_batch_size=8 eval_steps=50 save_steps=50
demo: $(STAMP)
	$(VENV)/bin/voxtune prepare examples/allison-demo -o $(DEMO)/data --voice joe
	rm -rf $(DEMO)/run
	$(VENV)/bin/voxtune finetune --base joe --data $(DEMO)/data -o $(DEMO)/run --recovery-utterances 40 \
		--recovery-steps 100 $(DEMO_TRAIN)
	$(VENV)/bin/voxtune synthesize --voice $(DEMO)/run -i examples/demo.txt -o $(DEMO)/allison-demo.wav \
		--sentence-silence 0.4
	$(VENV)/bin/voxtune evaluate joe $(DEMO)/run --data examples/allison-demo --split dev \
		--refs examples/allison-demo -o $(DEMO)/report
	@echo "demo: corpus report $(DEMO)/data/report.html, fine-tuned voice $(DEMO)/run/best.pt," \
		"audio $(DEMO)/allison-demo.wav, report $(DEMO)/report/index.html"

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
