# Two commands do everything on a fresh machine:  `make demo`  and  `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
DATA    ?= demo
OUT     ?= runs/demo
TORCH   ?= torch==2.13.0

.PHONY: install demo test nbtest pytest export clean-nbs docs

# torch first (the CPU build), then the package, its dev tools and the optional Ray extra (so tests/test_ray.py runs)
$(BIN)/wordscrunch: settings.ini setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e ".[dev,ray]"
	touch $@

install: $(BIN)/wordscrunch

## the main job on the embedded default data
demo: install
	$(BIN)/wordscrunch run --data $(DATA) --out $(OUT)

## every test: the notebooks' own cells (nbdev_test), then tests/ (pytest prints the closing line)
test: install
	cd nbs && timeout 1200 ../$(BIN)/nbdev_test --n_workers 2 --timing
	$(BIN)/python -m pytest -q tests

export: install
	$(BIN)/nbdev_export

clean-nbs: install
	$(BIN)/nbdev_clean

## the docs site without Quarto, into _docs/ (use nbdev_docs where Quarto exists)
docs: install
	$(BIN)/python -m wordscrunch.docs
