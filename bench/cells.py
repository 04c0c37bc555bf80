"""Measure the export cells of the notebooks: how long they are and how many define more than one public name.

Usage: python bench/cells.py [NB ...]      (default: nbs/*.ipynb)

An export cell is a code cell with an `#| export` or `#| exporti` directive. Its length is its number of lines that
are neither blank nor `#|` directives. A definition is a top-level `def`, `class` or assignment (plain, annotated or
augmented) of a public name (one not starting with `_`); imports are not definitions. Prints one row per notebook and
an overall row: export cells, median and mean lines, longest cell, and the share of cells with more than one
definition. (For comparison, issue 11 quotes fastcore at a median of 5 lines and nbdev's API at 11.)
"""
import ast, json, re, statistics, sys
from pathlib import Path

DIRECTIVE = re.compile(r"^#\s*\|\s*(\w+)")


def export_cells(nb):
    "The sources of a notebook's `#| export` / `#| exporti` code cells."
    out = []
    for c in json.loads(Path(nb).read_text())["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] != "code": continue
        if any((m := DIRECTIVE.match(l)) and m.group(1) in ("export", "exporti") for l in src.splitlines()): out.append(src)
    return out


def n_lines(src):
    "Lines that are neither blank nor directives."
    return sum(1 for l in src.splitlines() if l.strip() and not DIRECTIVE.match(l))


def _targets(t):
    if isinstance(t, ast.Name): yield t.id
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts: yield from _targets(e)


def public_definitions(src):
    "Public names a cell defines at top level (def, class, assignment), in order."
    names = []
    for node in ast.parse(src).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): names.append(node.name)
        elif isinstance(node, ast.Assign): names += [n for t in node.targets for n in _targets(t)]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)): names += list(_targets(node.target))
    return [n for n in names if not n.startswith("_")]


def measure(cells):
    "(cells, median lines, mean lines, longest, share with > 1 definition) of a list of export cell sources."
    if not cells: return (0, None, None, None, None)
    lines = [n_lines(s) for s in cells]
    multi = sum(len(set(public_definitions(s))) > 1 for s in cells)
    return (len(cells), statistics.median(lines), statistics.mean(lines), max(lines), multi / len(cells))


def fmt(name, m):
    n, med, mean, top, multi = m
    if not n: return f"{name:<32} {0:>6} {'-':>7} {'-':>6} {'-':>5} {'-':>7}"
    return f"{name:<32} {n:>6} {med:>7g} {mean:>6.1f} {top:>5} {multi:>6.0%}"


def main(paths):
    nbs = [Path(p) for p in paths] or sorted(Path(__file__).resolve().parent.parent.glob("nbs/*.ipynb"))
    print(f"{'notebook':<32} {'cells':>6} {'median':>7} {'mean':>6} {'max':>5} {'multi':>7}")
    every = []
    for nb in nbs:
        cells = export_cells(nb)
        if not cells: continue
        every += cells
        print(fmt(nb.name, measure(cells)))
    print(fmt("overall", measure(every)))


if __name__ == "__main__": main(sys.argv[1:])
