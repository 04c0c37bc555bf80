# Two commands do everything on a fresh machine:  `make demo`  and  `make test`  (`make test-all` adds the slow parts).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
DATA    ?= demo
OUT     ?= runs/demo
TORCH   ?= torch==2.13.0
# Where PyTorch comes from. The default is PyTorch's CPU-only index: a plain `pip install torch` on Linux pulls
# the CUDA build (several GB). For a GPU, e.g. `make demo TORCH_INDEX=https://download.pytorch.org/whl/cu126`;
# `make demo TORCH_INDEX=` uses pip's own configured index (PyPI, or your mirror) instead.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: install demo test test-all nbtest pytest export clean-nbs docs

# torch first (from TORCH_INDEX), then the package, its dev tools and the optional Ray extra (so tests/test_ray.py runs)
$(BIN)/wordscrunch: settings.ini setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q -e ".[dev,ray]"
	touch $@

install: $(BIN)/wordscrunch

## the main job on the embedded default data
demo: install
	$(BIN)/wordscrunch run --data $(DATA) --out $(OUT)

## the everyday tests: the notebooks' own cells (nbdev_test; cells flagged `#| slow` are skipped), then tests/
## (pytest prints the closing line; the docs' browser checks skip themselves when Chromium is absent)
test: install
	cd nbs && timeout 1200 ../$(BIN)/nbdev_test --n_workers 2 --timing
	$(BIN)/python -m pytest -q tests

## every test: the `#| slow` cells too, and the browser checks fail instead of skipping without Chromium
test-all: install
	cd nbs && timeout 3600 ../$(BIN)/nbdev_test --n_workers 2 --timing --flags slow
	WORDSCRUNCH_REQUIRE_CHROMIUM=1 $(BIN)/python -m pytest -q tests

export: install
	$(BIN)/nbdev_export

clean-nbs: install
	$(BIN)/nbdev_clean

## the docs site without Quarto, into _docs/ (use nbdev_docs where Quarto exists)
docs: install
	$(BIN)/python -m wordscrunch.docs
