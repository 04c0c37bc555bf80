"""The interactive map (figures/map.html) in a real browser: headless Chromium opens it offline, the page's own
self-check (`#selftest`) hovers a point and searches a word, and the test reads the verdict from the DOM. A screenshot
is kept in tests/_artifacts/. Skipped, and only skipped, when Chromium is absent."""
import json, re, shutil, subprocess, tempfile
from pathlib import Path

import pytest

from wordscrunch.testing import fake_run
from wordscrunch.visualize import save_map

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT/"tests"/"_artifacts"
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--window-size=1280,900", "--virtual-time-budget=15000"]
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium): "
                                    "the browser test of map.html is skipped")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    run = fake_run(tmp_path_factory.mktemp("map")/"fake", V=200, d=16)
    return save_map(run, n_other=60)


def chromium(args, url, timeout=120):
    with tempfile.TemporaryDirectory() as prof:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={prof}", *args, url], capture_output=True,
                              text=True, timeout=timeout)


def test_page_is_self_contained(page):
    html = page.read_text()
    assert page.name == "map.html" and page.parent.name == "figures"
    assert not re.search(r"<script[^>]+src=", html), "the page loads a script from elsewhere: it must work offline"
    assert "cdn." not in html.split("<body>")[1].split("<script")[0]
    assert page.stat().st_size < 15_000_000


@needs_chromium
def test_map_renders_hovers_and_searches(page):
    dom = chromium(["--dump-dom"], page.as_uri() + "#selftest")
    assert dom.returncode == 0, dom.stderr[-2000:]
    m = re.search(r'<pre id="selftest"[^>]*>(.*?)</pre>', dom.stdout, re.S)
    assert m and m.group(1).strip(), "the page's self-check wrote nothing: the plot did not render"
    r = json.loads(m.group(1))
    assert r["errors"] == [], f"JavaScript errors: {r['errors']}"
    assert r["slider"], "no slider over the epochs"
    assert r["points"] >= 100, f"only {r['points']} points drawn"
    assert r["hover"] and r["first_word"] in r["hover"], f"hover label {r['hover']!r} does not show the word {r['first_word']!r}"
    assert r["ringed"] == 1, "the search box did not ring the word"
    assert r["epoch"] == "epoch 1", f"the page opened at {r['epoch']!r}, not the first snapshot (auto-play?)"


@needs_chromium
def test_screenshot(page):
    ART.mkdir(parents=True, exist_ok=True)
    (ART/".gitignore").write_text("*\n")  # screenshots are artefacts, never committed
    shot = ART/"map.png"
    r = chromium([f"--screenshot={shot}"], page.as_uri() + "#selftest")
    assert r.returncode == 0 and shot.exists() and shot.stat().st_size > 20_000, r.stderr[-2000:]
