"""The docs: every page is in the site's navigation, and the build hook that runs the
examples fails on a wrong one (the build itself runs in CI: `mkdocs build --strict`)."""

import importlib.util
import re

from conftest import ROOT

DOCS = ROOT / "docs"


def _hook():
    spec = importlib.util.spec_from_file_location("execute", DOCS / "_hooks" / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_page_is_in_the_navigation():
    nav = set(re.findall(r":\s*([\w-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.M))
    pages = {p.name for p in DOCS.glob("*.md")}
    assert pages == nav, f"not in nav: {pages - nav}; missing files: {nav - pages}"


def test_examples_run_and_are_fenced_for_the_site():
    hook, log = _hook(), []
    text = "Intro.\n\n>>> x = 20\n>>> x + 22\n42\n\nMore text.\n"
    out = hook._doctest_text(text, {}, "page.md", log)
    assert log == []
    assert "```pycon\n>>> x = 20\n>>> x + 22\n42\n```" in out and out.startswith("Intro.")


def test_a_wrong_example_or_a_failing_plot_is_reported():
    hook, log = _hook(), []
    hook._doctest_text(">>> 1 + 1\n3\n", {}, "page.md", log)
    hook._doctest_text(">>> undefined_name\n", {}, "page.md", log)
    hook._plot_block("raise RuntimeError('boom')\n", {}, "page.md", log)
    assert len(log) == 3
    assert "expected:\n3" in log[0] and "NameError" in log[1] and "boom" in log[2]


def test_a_page_shares_one_namespace_across_blocks():
    hook, log = _hook(), []
    globs = {}
    hook._doctest_text(">>> a = 2\n", globs, "page.md", log)
    hook._plot_block("import matplotlib.pyplot as plt\nb = a + 1\nplt.plot([a, b])\n", globs,
                     "page.md", log)
    out = hook._doctest_text(">>> a * b\n6\n", globs, "page.md", log)
    assert log == [] and "6" in out
