"""The `wordscrunch` command as a new user meets it: help with defaults, one-line errors naming the real cause,
nothing left behind by a failed run, and `evaluate` on text and binary files with a report beside --out."""
import inspect, subprocess, sys

import numpy as np
import pytest
from gensim.models import KeyedVectors

from wordscrunch.cli import build_parser, main
from wordscrunch.testing import toy_kv

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")


def run_main(argv, capsys):
    try: code = main(argv)
    except SystemExit as e: code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def subparsers():
    return build_parser()._subparsers._group_actions[0].choices


def test_no_arguments_prints_the_overview(capsys):
    code, out, err = run_main([], capsys)
    assert code == 0 and out.startswith("usage: wordscrunch") and not err
    for name in subparsers(): assert name in out


def test_every_subcommand_and_option_is_described():
    for name, p in subparsers().items():
        assert p.description and len(p.description) > 40, f"{name}: no description"
        for a in p._actions:
            assert a.help and len(a.help) > 10, f"{name} {a.option_strings}: no help"
    h = {n: " ".join(p.format_help().split()) for n, p in subparsers().items()}
    assert "(default: runs/demo)" in h["run"] and "(default: demo)" in h["run"] and "(default: 0)" in h["run"]
    assert "(default: cpu)" in h["extract"] and "--find" in h["extract"] and "--batch-size" in h["extract"]
    assert "text or binary" in h["evaluate"] and "FILE.md" in h["evaluate"]


def test_help_defaults_are_the_stages_own():
    "The defaults the help names are the ones the stage functions really use (the policy lives there, not in the CLI)."
    from wordscrunch.attention import extract
    from wordscrunch.data import prepare
    from wordscrunch.train import DEFAULT_MODE
    h = {n: " ".join(p.format_help().split()) for n, p in subparsers().items()}
    assert f"(default: {inspect.signature(extract).parameters['batch_size'].default}, the extract" in h["extract"]
    assert f"(default: {inspect.signature(prepare).parameters['min_count'].default})" in h["prepare"]
    assert f"(default: {DEFAULT_MODE}, training's DEFAULT_MODE)" in h["train"]


def test_model_path_that_does_not_exist(tmp_path, capsys):
    code, out, err = run_main(["run", "--model", "/nonexistent", "--out", str(tmp_path/"r")], capsys)
    assert code == 2 and "--model /nonexistent: no such folder" in err and err.count("\n") == 1
    assert not (tmp_path/"r").exists()


def test_train_on_unprepared_folder_names_prepare(tmp_path, capsys):
    code, out, err = run_main(["train", "--out", str(tmp_path)], capsys)
    assert code == 2 and "run `wordscrunch prepare --data demo --out" in err and err.count("\n") == 1


def test_failed_run_leaves_nothing(tmp_path, capsys):
    code, out, err = run_main(["run", "--data", str(tmp_path/"missing.json"), "--out", str(tmp_path/"new")], capsys)
    assert code == 2 and "missing.json" in err
    assert not (tmp_path/"new").exists()
    (tmp_path/"old").mkdir(); (tmp_path/"old"/"keep.txt").write_text("mine")    # a folder the user made stays
    run_main(["run", "--data", str(tmp_path/"missing.json"), "--out", str(tmp_path/"old")], capsys)
    assert (tmp_path/"old"/"keep.txt").read_text() == "mine"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ev")
    run = d/"myrun"; run.mkdir(); (run/"config.json").write_text("{}")
    toy_kv(seed=0).save_word2vec_format(str(run/"vectors.txt"))
    toy_kv(seed=2, drop=0.3).save_word2vec_format(str(d/"other.txt"), binary=True)     # binary, under a .txt name
    return d


def test_evaluate_text_and_binary_with_report(files, capsys):
    out = files/"res"/"eval.json"
    code, stdout, err = run_main(["evaluate", str(files/"myrun"/"vectors.txt"), str(files/"other.txt"), "--out", str(out)], capsys)
    assert code == 0, err
    assert "| wordscrunch |" in stdout and "| other |" in stdout          # named as `run` names them
    assert "## Verdict" in stdout and "`wordscrunch` vs `other`" in stdout
    assert " [" in stdout                                                 # intervals printed
    assert out.exists() and out.with_suffix(".md").exists()
    assert f"wrote {out} (metrics) and {out.with_suffix('.md')} (report)" in stdout
    assert not any(len(t) > 8 and t.replace(".", "").replace("-", "").isdigit() for t in stdout.split())   # no raw floats


def test_evaluate_names_and_bad_rows(files, tmp_path, capsys):
    code, stdout, err = run_main(["evaluate", str(files/"other.txt"), "--name", "mine"], capsys)
    assert code == 0 and "| mine |" in stdout
    code, _, err = run_main(["evaluate", str(files/"other.txt"), "--name", "a", "--name", "b"], capsys)
    assert code == 2 and "one name per file" in err
    bad = tmp_path/"bad.txt"
    bad.write_text("2 3\nking 1 0 0\nqueen 0.5 0.5\n")
    p = subprocess.run([sys.executable, "-c", "from wordscrunch.cli import main; main()", "evaluate", str(bad)],
                       capture_output=True, text=True)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == f"wordscrunch: error: {bad}:3: word 'queen' has 2 values, the header says 3; fix or drop that line\n"


def test_evaluate_a_safetensors_table_names_the_text_file(tmp_path, capsys):
    st = tmp_path/"vectors.safetensors"
    st.write_bytes(b"\0" * 16)
    code, _, err = run_main(["evaluate", str(st)], capsys)
    assert code == 2 and f"{st}: a safetensors table holds no words; give the word2vec file written beside it (vectors.txt)" in err
