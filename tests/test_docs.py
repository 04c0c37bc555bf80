"""The docs site (Quarto-free: nbdev processing + smalldocs): build it into a temp dir, then open pages in headless
Chromium, check the rendered DOM (headings, sidebar, plots) and keep screenshots in tests/_artifacts/."""
import base64, json, re, shutil, subprocess, tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from wordscrunch.docs import build_docs

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/"nbs"
ART = ROOT/"tests"/"_artifacts"
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--window-size=1280,900"]


def notebooks():
    return sorted(p for p in NBS.glob("*.ipynb") if not p.name.startswith(("_", ".")))


def nb_title(p):
    "The notebook's title: its first markdown heading, as nbdev's frontmatter reads it."
    for c in json.loads(p.read_text())["cells"]:
        if c["cell_type"] == "markdown":
            m = re.match(r"#\s+(.+)", "".join(c["source"]).strip())
            if m: return m.group(1).strip()
    return None


def has_plot(p):
    return any("image/png" in o.get("data", {}) for c in json.loads(p.read_text())["cells"] for o in c.get("outputs", []))


class Dom(HTMLParser):
    "Headings, images and sidebar links of a page."
    def __init__(self):
        super().__init__(); self.heads, self.imgs, self.side, self._h, self._nav = [], [], [], None, 0
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag in ("h1", "h2", "h3"): self._h = [tag, ""]
        if tag == "img": self.imgs.append(a.get("src", ""))
        if tag == "nav" and a.get("id") == "quarto-sidebar": self._nav = 1
        elif tag == "nav" and self._nav: self._nav += 1
        if tag == "a" and self._nav: self.side.append(a.get("href", ""))
    def handle_endtag(self, tag):
        if self._h and tag == self._h[0]: self.heads.append(self._h[1].strip()); self._h = None
        if tag == "nav" and self._nav: self._nav -= 1
    def handle_data(self, d):
        if self._h: self._h[1] += d


def parse(html):
    d = Dom(); d.feed(html); return d


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_docs(ROOT, out=tmp_path_factory.mktemp("docs")/"site")


def test_every_notebook_is_a_page_in_the_sidebar(site):
    assert (site/".nojekyll").exists()
    nbs = notebooks()
    assert nbs, "no notebooks in nbs/"
    for nb in nbs:
        page = site/f"{nb.stem}.html"
        assert page.exists(), f"{nb.name} has no page {page.name}"
        d = parse(page.read_text())
        missing = [n.stem for n in nbs if f"{n.stem}.html" not in d.side]
        assert not missing, f"{page.name}: sidebar lacks {missing}"
        assert not [h for h in d.side if h.endswith((".yml", ".css"))], "the sidebar lists non-pages"
        title = nb_title(nb)
        if title: assert title in d.heads, f"{page.name}: no heading {title!r} in {d.heads[:5]}"
        if has_plot(nb): assert any(s.startswith("data:image/png") or s.endswith(".png") for s in d.imgs), \
            f"{page.name}: the notebook has saved plots but the page shows none"


def img_ok(src, page):
    if src.startswith("data:image/png;base64,"):
        return base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    if src.startswith("file://"): return Path(unquote(src[7:])).exists()
    return (page.parent/unquote(src)).exists()


def chromium(args, url, timeout=90):
    with tempfile.TemporaryDirectory() as prof:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={prof}", *args, url], capture_output=True,
                              text=True, timeout=timeout)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium): "
                    "the rendered-page checks and screenshots are skipped")
def test_pages_render_in_chromium(site):
    ART.mkdir(parents=True, exist_ok=True)
    (ART/".gitignore").write_text("*\n")  # screenshots are artefacts, never committed
    pages = [("index.html", None)] if (NBS/"index.ipynb").exists() else []
    stage = next((n for n in notebooks() if n.name.startswith("00_") and has_plot(n)), None) \
        or next((n for n in notebooks() if n.name[:2].isdigit() and has_plot(n)), None)
    assert stage is not None, "no stage notebook has a saved plot: execute the notebooks with outputs saved"
    pages.append((f"{stage.stem}.html", stage))
    for name, nb in pages:
        page = site/name
        dom = chromium(["--dump-dom"], page.as_uri())
        assert dom.returncode == 0 and "<html" in dom.stdout, dom.stderr[-2000:]
        d = parse(dom.stdout)
        assert len(d.side) >= len(notebooks()) - 1, f"{name}: sidebar has {len(d.side)} links"
        if nb is not None:
            assert nb_title(nb) in d.heads, f"{name}: headings {d.heads[:8]}"
            pngs = [s for s in d.imgs if s.startswith("data:image/png") or ".png" in s]
            assert pngs and all(img_ok(s, page) for s in pngs), f"{name}: no plot image that exists"
        else:
            assert d.heads, f"{name}: no headings"
        shot = ART/f"{page.stem}.png"
        r = chromium([f"--screenshot={shot}"], page.as_uri())
        assert r.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000, r.stderr[-2000:]


def test_refuses_unrelated_output_folder(tmp_path):
    (tmp_path/"keep.txt").write_text("precious")
    from wordscrunch.data import WordscrunchError
    with pytest.raises(WordscrunchError, match="not a built site"):
        build_docs(ROOT, out=tmp_path)
    assert (tmp_path/"keep.txt").read_text() == "precious"
