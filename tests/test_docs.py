"""The docs site (Quarto-free: nbdev processing + smalldocs): build it into a temp dir, then open pages in headless
Chromium, check the rendered DOM (headings, sidebar, plots) and keep screenshots in tests/_artifacts/."""
import base64, html, json, os, re, shutil, subprocess, tempfile
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


NEED_CHROMIUM = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("WORDSCRUNCH_REQUIRE_CHROMIUM"),
                                   reason="chromium is not installed (apt-get install -y chromium): the rendered-page "
                                   "checks and screenshots are skipped (`make test-all` fails instead)")


@NEED_CHROMIUM
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


def nb_description(p):
    "The notebook's whole `> description` (all its lines joined)."
    for c in json.loads(p.read_text())["cells"]:
        if c["cell_type"] == "markdown" and re.search(r"^#\s", "".join(c["source"]), flags=re.M):
            lines = re.findall(r"^>\s?(.*)$", "".join(c["source"]), flags=re.M)
            return " ".join(l.strip() for l in lines) or None
    return None


def page_description(page):
    m = re.search(r'<div class="description">(.*?)</div>', page.read_text(), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else None


def test_subtitles_are_whole_sentences(site):
    "Every page's subtitle is the notebook's whole description and ends as a sentence ends (nbdev reads one line)."
    for nb in notebooks():
        want, got = nb_description(nb), page_description(site/f"{nb.stem}.html")
        if want is None: continue
        assert got and got[-1] in ".!?)", f"{nb.stem}.html: subtitle cut: {got!r}"
        words = lambda t: re.findall(r"[A-Za-z]+", t)[-4:]     # maths and quotes render differently; the end must match
        assert words(got) == words(want), f"{nb.stem}.html: subtitle {got!r} is not the whole description {want!r}"


def exported_names(nb):
    "Names of the functions and classes a notebook exports."
    src = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"]
                    if c["cell_type"] == "code" and "".join(c["source"]).startswith("#| export"))
    return set(re.findall(r"^(?:def|class) ([A-Za-z]\w*)", src, flags=re.M))


def test_stage_pages_show_api_entries(site):
    "Every page of a notebook that exports functions shows their signatures (nbdev's API entries)."
    missing = {}
    for nb in notebooks():
        names = exported_names(nb)
        if not names: continue
        heads = set(parse((site/f"{nb.stem}.html").read_text()).heads)
        if not names & heads: missing[nb.stem] = sorted(names)[:3]
    assert not missing, f"pages without API entries (no heading for any exported name): {missing}"


def test_maths_works_offline(site):
    "Equations are MathML in the page, with no KaTeX fetched from a CDN."
    pages = [p for p in site.glob("*.html")]
    assert not [p.name for p in pages if re.search(r'<(?:link|script)[^>]*cdn[^>]*katex', p.read_text())]
    with_maths = [p for p in pages if "<math" in p.read_text()]
    assert any(p.name == "03_train.html" for p in with_maths), "03_train's equations are not MathML"
    assert not [p.name for p in with_maths if '<span class="math' in p.read_text()], "some TeX was left unrendered"


MEASURE = """<script>window.addEventListener('load', () => {
  const main = document.querySelector('main').getBoundingClientRect();
  const tables = [...document.querySelectorAll('main table')].map(t => {
    const b = t.getBoundingClientRect(), c = t.parentElement;
    return {right: Math.round(b.right), width: Math.round(b.width), box: c.clientWidth, scroll: c.scrollWidth};});
  const td = document.querySelector('table.dataframe td');
  const out = {main: [Math.round(main.left), Math.round(main.right)], vw: window.innerWidth, tables,
               dataframe_pad: td ? parseFloat(getComputedStyle(td).paddingLeft) : null};
  const pre = document.createElement('pre'); pre.id = 'measure'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);});</script>"""


def measure(page):
    "Layout numbers of a page at 1280 px, measured in Chromium by a script added to a copy of the page."
    probe = page.with_name(f"_measure-{page.name}")
    probe.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    r = chromium(["--dump-dom", "--virtual-time-budget=10000"], probe.as_uri())
    m = re.search(r'<pre id="measure">(.*?)</pre>', r.stdout, flags=re.S)
    assert m, r.stderr[-2000:]
    return json.loads(html.unescape(m.group(1)))


@NEED_CHROMIUM
def test_layout_is_wide_and_tables_fit(site):
    "At 1280 px the content column is wide, the index's tables fit it without sideways scrolling, DataFrames are styled."
    m = measure(site/"index.html")
    left, right = m["main"]
    assert right - left >= 900, f"content column {right - left}px wide at 1280px"
    assert m["tables"], "the index has no tables"
    for t in m["tables"]:
        assert t["right"] <= m["vw"] and t["scroll"] <= t["box"] + 1, f"a table does not fit: {t}"
    assert measure(site/"05_evaluate.html")["dataframe_pad"] >= 4, "DataFrame cells are unstyled"
    ART.mkdir(parents=True, exist_ok=True)
    for name in ("05_evaluate", "03_train"):
        shot = ART/f"{name}.png"
        r = chromium([f"--screenshot={shot}"], (site/f"{name}.html").as_uri())
        assert r.returncode == 0 and shot.stat().st_size > 10_000, r.stderr[-2000:]


def test_readme_tables_come_from_data_results():
    "Every results table of the README is what `python -m wordscrunch.docs --readme` renders from data/results/."
    from wordscrunch.docs import render_readme
    text = (ROOT/"README.md").read_text()
    assert text.count("<!-- BEGIN ") >= 6
    assert render_readme(text) == text, "README tables differ from data/results: run `python -m wordscrunch.docs --readme`"


def test_index_is_the_readme():
    "The docs home page (nbs/index.ipynb) holds the README, cut into sections."
    from wordscrunch.docs import readme_notebook
    cells = json.loads((NBS/"index.ipynb").read_text())["cells"]
    want = readme_notebook((ROOT/"README.md").read_text())["cells"]
    assert ["".join(c["source"]) for c in cells] == ["".join(c["source"]) for c in want]


def test_no_machine_paths_in_saved_outputs():
    "No saved notebook output shows a path of the machine it ran on (the checkout, a temporary folder, a virtualenv)."
    pat = re.compile("(" + re.escape(str(ROOT)) + r"|/tmp/|/root/|\.venv/|/work/)")
    leaks = [f"{p.name} cell {i}" for p in notebooks() for i, c in enumerate(json.loads(p.read_text())["cells"])
             for o in c.get("outputs", []) if pat.search(json.dumps(o))]
    assert not leaks, leaks
