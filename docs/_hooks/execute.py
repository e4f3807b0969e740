"""MkDocs hook: run every example of a page while the site is built.

Two kinds of examples live in the pages:

- doctest examples (``>>>`` lines and their expected output), the same text that
  ``python -m pytest`` checks. They are run with :mod:`doctest`; an example whose output
  differs, or that raises, fails the build. On the site they appear as ``pycon`` blocks.
- fenced blocks opened with ```` ```python plot ````: Python run in the same namespace as the
  page's doctests, whose matplotlib figures are embedded below the code as PNG images.

A page's examples share one namespace, in page order, as ``pytest --doctest-glob`` runs them.
"""

import base64
import contextlib
import doctest
import io
import re
import time

PLOT_BLOCK = re.compile(r"^```python plot\n(.*?)^```\n", re.S | re.M)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
DIRECTIVE = re.compile(r"\s*#\s*doctest:.*$")


class _Collect(doctest.DocTestRunner):
    """A runner that records failures instead of printing them."""

    def __init__(self):
        super().__init__(optionflags=FLAGS, verbose=False)
        self.problems = []

    def report_failure(self, out, test, example, got):
        self.problems.append(f"line {example.lineno + 1}: {example.source.strip()}\n"
                             f"expected:\n{example.want}got:\n{got}")

    def report_unexpected_exception(self, out, test, example, exc_info):
        self.problems.append(f"line {example.lineno + 1}: {example.source.strip()}\n"
                             f"raised {exc_info[0].__name__}: {exc_info[1]}")


def _doctest_text(text, globs, name, log):
    """Run the doctest examples of ``text``; return it with the examples fenced."""
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, globs, name, name, 0)
    if not test.examples:
        return text
    runner = _Collect()
    runner.run(test, clear_globs=False, out=lambda s: None)
    globs.update(test.globs)  # DocTest ran on a copy; later blocks of the page need its names
    if runner.problems:
        log.append(f"{name}: " + "\n\n".join(runner.problems))
    out, block = [], []
    for part in parser.parse(text, name):
        if isinstance(part, doctest.Example):
            lines = DIRECTIVE.sub("", part.source.rstrip("\n")).split("\n")
            block.append("\n".join(
                (">>> " if i == 0 else "... ") + line for i, line in enumerate(lines)))
            if part.want:
                block.append(part.want.rstrip("\n"))
            continue
        if block and part.strip() == "":
            continue  # blank text between two examples of one block
        if block:
            out.append("```pycon\n" + "\n".join(block) + "\n```\n")
            block = []
        out.append(part)
    if block:
        out.append("```pycon\n" + "\n".join(block) + "\n```\n")
    return "".join(out)


def _plot_block(code, globs, name, log):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    t = time.perf_counter()
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"{name} (plot block)", "exec"), globs)
    except Exception as exc:  # noqa: BLE001 - reported as a build error with the page name
        log.append(f"{name}: plot block raised {type(exc).__name__}: {exc}\n{code}")
        return f"```python\n{code}```\n"
    images = []
    for num in plt.get_fignums():
        buf = io.BytesIO()
        plt.figure(num).savefig(buf, format="png", dpi=110, bbox_inches="tight")
        data = base64.b64encode(buf.getvalue()).decode()
        images.append(f'<img alt="figure" src="data:image/png;base64,{data}">')
    plt.close("all")
    if not images:
        log.append(f"{name}: plot block drew no figure\n{code}")
    took = time.perf_counter() - t
    text = printed.getvalue()
    shown = f"```text\n{text.rstrip()}\n```\n\n" if text.strip() else ""
    return (f"```python\n{code}```\n\n" + shown + "\n".join(images)
            + f'\n<p class="run-time">(run while building these docs, {took:.1f} s)</p>\n')


def on_page_markdown(markdown, page, config, files):
    from mkdocs.exceptions import PluginError

    name = page.file.src_path
    globs, log, out, pos = {"__name__": "__main__"}, [], [], 0
    for match in PLOT_BLOCK.finditer(markdown):
        out.append(_doctest_text(markdown[pos : match.start()], globs, name, log))
        out.append(_plot_block(match.group(1), globs, name, log))
        pos = match.end()
    out.append(_doctest_text(markdown[pos:], globs, name, log))
    if log:
        raise PluginError("examples failed while building the docs:\n" + "\n\n".join(log))
    return "".join(out)
