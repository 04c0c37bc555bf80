"Stage 0 (wordscrunch.data): loaders, cleaning, vocabulary, prepare — bad input, integration, determinism."
import gzip, json, shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

from wordscrunch.data import (DATA_DIR, RunFolder, WordscrunchError, clean_descriptions, description_tokens,
                              load_descriptions, load_source, load_vocab, prepare, read_config, w2v_sentences)

FIXTURE = DATA_DIR/"llm-fixture.json"


def no_outputs(out):
    "True if the run folder holds no stage-0 table (and no temp file) after a failure."
    run = RunFolder(out)
    left = [p.name for p in run.root.glob("*")] if run.root.exists() else []
    return not run.descriptions.exists() and not run.vocab.exists() and not any(n.endswith(".tmp") for n in left)


def bad(tmp_path, name, content, *expect):
    "Write `content` to `name`, run prepare, check one clear error line naming the file (+ `expect`) and no outputs."
    p = tmp_path/name
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = tmp_path/"run"
    with pytest.raises(WordscrunchError) as e:
        prepare(p, out, verbose=False)
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg, msg
    for x in expect: assert x in msg, (x, msg)
    assert no_outputs(out)
    return msg


# ---------------------------------------------------------------- bad input
def test_malformed_json_names_file_line_column(tmp_path):
    bad(tmp_path, "bad.json", '{\n  "king": ["a ruler"],\n  "queen": ["a ruler",]\n}\n', "bad.json:3:", "malformed JSON")


def test_json_wrong_shape(tmp_path):
    bad(tmp_path, "list.json", '["king", "queen"]', "expected a JSON object")
    bad(tmp_path, "nested.json", '{"king": [{"text": "a ruler"}]}', "word 'king'")
    bad(tmp_path, "noword.json", '{}', "no words")


def test_malformed_jsonl_line(tmp_path):
    bad(tmp_path, "bad.jsonl", '{"word": "king", "description": "a male ruler of a kingdom"}\n{"word": "queen", \n',
        "bad.jsonl:2:", "malformed JSON line")


@pytest.mark.parametrize("name", ["empty.json", "empty.csv", "empty.jsonl", "empty.txt"])
def test_empty_file(tmp_path, name):
    bad(tmp_path, name, "  \n", "empty")


def test_non_utf8_names_line_and_offset(tmp_path):
    content = "word,description\nking,a male ruler\ncafe,a small restaurant\n".encode() + b"na\xefve,innocent\n"
    bad(tmp_path, "latin1.csv", content, "latin1.csv:4:3", "offset 61", "UTF-8")


def test_csv_without_needed_columns(tmp_path):
    msg = bad(tmp_path, "cols.csv", "term,definition\nking,a male ruler of a kingdom\n", "word", "description")
    assert "found ['term', 'definition']" in msg


def test_tsv_without_header(tmp_path):
    bad(tmp_path, "gloss.tsv", "king\ta male sovereign | a chess piece\n", "header", ".txt")


def test_gloss_file_line_without_tab(tmp_path):
    bad(tmp_path, "gl.txt", "king\ta male sovereign\nqueen a female sovereign\n", "gl.txt:2:", "no tab")


def test_unknown_extension_and_missing_file(tmp_path):
    bad(tmp_path, "data.xlsx", "x", "unknown data file type")
    with pytest.raises(WordscrunchError, match="no such file"):
        prepare(tmp_path/"missing.json", tmp_path/"run", verbose=False)


def test_nothing_survives(tmp_path):
    bad(tmp_path, "junk.json", '{"x": ["<think>hm</think>", "Here are five sentences about x:", "1."]}',
        "no description survived")


def test_wordnet_without_nltk_is_clear():
    try:
        import nltk  # noqa: F401
        pytest.skip("nltk is installed")
    except ImportError:
        pass
    with pytest.raises(WordscrunchError, match="pip install nltk"):
        prepare("wordnet", "/nonexistent/run", verbose=False)


# ---------------------------------------------------------------- cleaning semantics
def test_all_dropped_word_is_reported_and_run_continues(tmp_path, caplog):
    s = prepare(FIXTURE, tmp_path/"fx", verbose=False)
    assert s["all_dropped"] == ["junk"]
    assert "junk" not in set(load_descriptions(tmp_path/"fx").word)
    assert "junk" in caplog.text
    assert s["words"] == s["words_in"] - 1


def test_duplicate_words_merged(tmp_path):
    p = tmp_path/"dups.csv"
    p.write_text("word,description\nApple,a round fruit of a tree\nking,a male ruler of a kingdom\n"
                 "apple,a round fruit of a tree\napple,the tree bearing apples\nKING,a chess piece that must be protected\n")
    s = prepare(p, tmp_path/"run", verbose=False)
    d = load_descriptions(tmp_path/"run")
    assert list(d.word) == ["apple", "apple", "king", "king"]  # grouped by word, first-seen order
    assert list(d.text) == ["a round fruit of a tree", "the tree bearing apples",
                            "a male ruler of a kingdom", "a chess piece that must be protected"]
    assert s["merged"] == ["apple", "king"] and s["dropped"]["duplicate"] == 1


def test_fixture_cleaning():
    d, s = clean_descriptions(load_source(FIXTURE))
    texts = set(d.text)
    assert not any(t.startswith(("1", "-", "*", "#", "<", "Here")) or "  " in t or " ." in t for t in texts), texts
    assert "Pears" not in texts and "Cats purr when they are content." in texts  # fullwidth -> ASCII
    assert set(d.word) == {"apple", "king", "queen", "cat", "dog", "man", "woman", "river"}
    assert s["dropped"]["no_word"] == 1 and s["dropped"]["think"] >= 2 and s["dropped"]["preamble"] >= 2
    assert not d.duplicated(["word", "text"]).any()
    assert list(d.desc_id) == list(range(len(d)))


def test_min_words_defaults(tmp_path):
    g = tmp_path/"g.txt.gz"
    g.write_bytes(gzip.compress(b"abbreviate\tshorten | reduce in scope while retaining essential elements\n"))
    assert prepare(g, tmp_path/"a", inflections=False, verbose=False)["descriptions"] == 2  # dictionary: synonyms are kept
    assert prepare(g, tmp_path/"b", min_words=2, inflections=False, verbose=False)["dropped"]["too_short"] == 1


def test_description_tokens():
    assert description_tokens("The animals were running, as the kings did.") == ["animal", "run", "king"]


# ---------------------------------------------------------------- integration
DESC_SCHEMA = {"desc_id": "int64", "word": "string", "text": "string", "source": "string", "orig": "string"}
VOCAB_SCHEMA = {"id": "int32", "word": "string", "count": "int64", "is_headword": "bool", "n_desc": "int32"}


def schema(path):
    "Column -> arrow type of a parquet file (large_string counted as string)."
    return {f.name: str(f.type).replace("large_string", "string") for f in pq.read_schema(path) if f.name in
            set(DESC_SCHEMA) | set(VOCAB_SCHEMA)}


def check_run(out):
    d, v = load_descriptions(out), load_vocab(out)
    run = RunFolder(out)
    assert schema(run.descriptions) == DESC_SCHEMA and list(d.columns) == list(DESC_SCHEMA)
    assert schema(run.vocab) == VOCAB_SCHEMA and list(v.columns) == list(VOCAB_SCHEMA)
    assert list(d.desc_id) == list(range(len(d))) and d.desc_id.is_unique
    assert (d.word == d.word.str.lower()).all() and (d.text.str.len() > 0).all()
    first = d.drop_duplicates("word").index  # rows grouped by word
    assert (d.word.iloc[first].value_counts() == 1).all() and d.groupby("word").desc_id.apply(
        lambda s: s.max() - s.min() + 1 == len(s)).all()
    assert list(v.id) == list(range(len(v))) and v.word.is_unique
    assert (v.sort_values(["count", "word"], ascending=[False, True]).id.values == v.id.values).all()
    assert set(d.word) <= set(v.word[v.is_headword])
    assert (v.set_index("word").n_desc.reindex(d.word.unique()).values == d.word.value_counts(sort=False).values).all()
    sents = w2v_sentences(out)
    assert len(sents) == len(d) and all(s[0] == w for s, w in zip(sents, d.word))
    return d, v


def test_prepare_demo_schema_cache_and_determinism(tmp_path):
    s = prepare("demo", tmp_path/"a", verbose=False)
    d, v = check_run(tmp_path/"a")
    assert 12_000 <= s["descriptions"] == len(d) <= 30_000 and s["vocab"] == len(v)   # glosses + inflections
    cfg = read_config(tmp_path/"a")["prepare"]
    assert cfg["data_hash"] and cfg["min_words"] == 1 and cfg["stats"]["descriptions"] == len(d)
    assert "versions" in read_config(tmp_path/"a")
    # cache: same settings -> skipped; other settings -> rebuilt; force -> rebuilt
    assert prepare("demo", tmp_path/"a", verbose=False)["cached"]
    assert not prepare("demo", tmp_path/"a", min_count=3, verbose=False)["cached"]
    assert not prepare("demo", tmp_path/"a", min_count=3, force=True, verbose=False)["cached"]
    # determinism: a second run elsewhere gives identical tables
    prepare("demo", tmp_path/"b", verbose=False)
    pd.testing.assert_frame_equal(d, load_descriptions(tmp_path/"b"))
    pd.testing.assert_frame_equal(v, load_vocab(tmp_path/"b"))
    for w in ["king", "queen", "man", "woman", "apple", "paris", "france"]:
        assert w in set(d.word), w
    # derived words: each a headword with glosses of its own, described once more from a base that is a headword too
    der = d[d.source == "derivation"]
    assert s["derivations"]["descriptions"] == len(der) > 0 and s["derivations"]["new_words"] == 0
    assert set(der.orig.str.split(":").str[1]) <= set(d.word[d.source != "derivation"])
    assert not prepare("demo", tmp_path/"a", derivations=False, verbose=False)["cached"]
    assert (load_descriptions(tmp_path/"a").source != "derivation").all()
    # synonyms: each lists the other words a gloss of the word describes, every one of them a headword glossed so too
    syn, glosses = d[d.source == "synonym"], d[d.source == "oewn"]
    assert s["synonyms"]["descriptions"] == len(syn) > 0 and s["synonyms"]["new_words"] == 0
    text_of = dict(zip("synonym:" + glosses.orig, glosses.text))
    for w, t, o in syn.sample(50, random_state=0)[["word", "text", "orig"]].itertuples(index=False):
        mates = set(glosses.word[glosses.text == text_of[o]]) - {w}
        assert t.split(", ") == sorted(mates), (w, t, o)
    assert not prepare("demo", tmp_path/"a", synonyms=False, verbose=False)["cached"]
    assert (load_descriptions(tmp_path/"a").source != "synonym").all()


def test_prepare_fixture_and_changed_data_invalidates_cache(tmp_path):
    fx = tmp_path/"fx.json"
    shutil.copy(FIXTURE, fx)
    s = prepare(fx, tmp_path/"r", verbose=False)
    d, v = check_run(tmp_path/"r")
    assert (d.source == "llm-json").all() and s["min_words"] == 3
    obj = json.loads(fx.read_text())
    obj["zebra"] = ["A zebra is an African wild horse with black and white stripes."]
    fx.write_text(json.dumps(obj))
    s2 = prepare(fx, tmp_path/"r", verbose=False)
    assert not s2["cached"] and "zebra" in set(load_descriptions(tmp_path/"r").word)


def test_bad_input_keeps_previous_run(tmp_path):
    "A failed re-prepare into an existing run folder leaves the earlier, complete tables untouched."
    prepare(FIXTURE, tmp_path/"r", verbose=False)
    before = load_descriptions(tmp_path/"r")
    p = tmp_path/"bad.json"; p.write_text('{"king": ')
    with pytest.raises(WordscrunchError):
        prepare(p, tmp_path/"r", verbose=False)
    pd.testing.assert_frame_equal(before, load_descriptions(tmp_path/"r"))
    assert not any(x.name.endswith(".tmp") for x in (tmp_path/"r").iterdir())
