"""What the scripts/bench_*_report.py generators share: putting a generated block into
docs/BENCHMARKS.md without touching anything outside it."""
import os


def splice(doc, section, begin, end, generated):
    """Replaces the text from `begin` to `end` in `doc` with `generated` (which holds both
    markers); without the markers, puts it right under the `section` heading, or appends the
    heading and it at the end of the file."""
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[:text.index(begin)] + generated.rstrip("\n") + text[text.index(end) + len(end):]
    elif section in text:
        at = text.index("\n", text.index(section)) + 1
        text = text[:at] + "\n" + generated + text[at:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n\n" + generated
    with open(doc, "w") as f:
        f.write(text)
