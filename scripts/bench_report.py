"""Numbers for the docs/BENCHMARKS.md report writers (scripts/bench_*_report.py): reading a
script's raw results, medians, ranges and same-round ratios over rounds, number formatting,
rendering a chart with bench_chart, and the index row of a section. (Putting a generated
block between its markers is bench_doc.splice.)

Raw results are lines "round<TAB>kind<TAB>json": one benchmark result per line."""
import collections
import json
import os
import statistics
import subprocess
import sys


def read_rounds(path):
    """round -> kind -> result (a dict), in the order the rounds were run."""
    rounds = collections.defaultdict(dict)
    for line in open(path):
        if not line.strip():
            continue
        r, kind, payload = line.rstrip("\n").split("\t", 2)
        rounds[r][kind] = json.loads(payload)
    return rounds


def values(rounds, kind, key):
    """The value of `key` in every round that has a result of `kind`."""
    return [rd[kind][key] for rd in rounds.values() if kind in rd and key in rd[kind]]


def paired(rounds, a, b, key, b_key=None):
    """a / b for every round that has both: numbers taken in the same round, on the machine
    as it was then, so the ratio is fairer than one of medians."""
    b_key = b_key or key
    return [rd[a][key] / rd[b][b_key] for rd in rounds.values()
            if a in rd and b in rd and key in rd[a] and rd[b].get(b_key, 0) > 0]


def machine_note(load=None):
    """The caveat every generated section carries: what kind of machine, and how loaded."""
    text = ("**A shared 2-vCPU VM**: other work on the same cores moves single numbers by tens of "
            "percent between rounds, so ratios compare numbers taken in the same round")
    if load:
        text += f"; load average when the run began: {load}"
    return text + "."


def median(v):
    return statistics.median(v) if v else float("nan")


def n(x, digits=0):
    """1,234,567 (or 1,234.5 with digits=1)."""
    return f"{x:,.{digits}f}"


def span(v, digits=0):
    """min..max of a list of numbers."""
    return f"{n(min(v), digits)}..{n(max(v), digits)}" if v else ""


def pct(x):
    return f"{100 * x:.0f}%"


def render_chart(renderer, spec, png):
    """Renders `spec` (the JSON bench_chart takes) to `png` with the Qt Charts renderer.
    Returns True when the PNG was written; says why on stderr and returns False otherwise."""
    if not renderer or not os.access(renderer, os.X_OK):
        print(f"bench report: no chart renderer ({renderer or 'none given'}): {png} not drawn",
              file=sys.stderr)
        return False
    spec_path = png + ".json"
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    try:
        done = subprocess.run([renderer, spec_path, png], timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        done = False
    os.remove(spec_path)
    if not done:
        print(f"bench report: {renderer} failed: {png} not drawn", file=sys.stderr)
    return done


def add_index_row(doc, row):
    """Appends `row` ("| [name](#anchor) | script | what |") to the first table of the file
    `doc` (the index at the top of BENCHMARKS.md) unless a row with its first cell is there."""
    first_cell = row.split("|")[1].strip()
    lines = open(doc).read().split("\n")
    in_table = False
    for i, line in enumerate(lines):
        if line.startswith("|"):
            in_table = True
            if line.split("|")[1].strip() == first_cell:
                return
        elif in_table:
            lines.insert(i, row)
            with open(doc, "w") as f:
                f.write("\n".join(lines))
            return
