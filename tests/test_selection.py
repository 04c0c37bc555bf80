"""bench/selection.py: every search starts from the default of its round, so that a search reruns as it ran and the
start rows copied from one search's table into another's train the same settings."""
import importlib.util
from pathlib import Path
from wordscrunch.train import TrainConfig

def _load():
    spec = importlib.util.spec_from_file_location("selection", Path(__file__).parents[1]/"bench"/"selection.py")
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m

S = _load()
def start(name, **changes): return TrainConfig(**{**S.SEARCHES[name]["start"], **changes}).resolved()

def test_copied_start_rows_train_the_same_settings():
    "`forms` starts at `antonyms`' best; `similarity` at `forms`' best; `similarity`'s best is today's default."
    assert start("forms") == start("antonyms", antonyms=0.05)
    assert start("similarity") == start("forms", inflection_weight=6.0, remove_pc=1)
    assert start("similarity", antonyms=0.07) == TrainConfig().resolved()

def test_round_defaults_reach_only_the_searches_before_the_change():
    assert S.BEFORE_FORMS == S.BEFORE_ANTONYMS + ("antonyms",)
    assert "forms" not in S.BEFORE_FORMS and "similarity" not in S.BEFORE_FORMS
    assert start("heads").antonyms == 0.0 and start("heads").inflection_weight == 4.0 and start("heads").remove_pc == 3
