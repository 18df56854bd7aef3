"""The API reference (docs/reference/) as a reader gets it.

- Docstrings are Google style in Markdown, the style mkdocstrings renders: no reST roles
  (``:class:`X```) and no ``::`` literal blocks (ruff's pydocstyle rules check the rest).
- The built pages show no private names (``_check_api_key``, ``attrs.field(...)`` defaults,
  ``Bases: _Settings``), stay small (one page per resource family), and load nothing from
  the network: code is colored by Pygments at build time, not by highlight.js from a CDN.
- In a real browser, a resource page's code is colored and every request stays on loopback.

The site is built once per session (``mkdocs build --strict``, a few seconds).
"""

from __future__ import annotations

import ast
import functools
import html
import http.server
import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "knockkit"
REFERENCE = ROOT / "docs" / "reference"

ROLE = re.compile(r":(?:meth|class|func|attr|mod|data|exc|obj):`")
# --- docstrings -------------------------------------------------------------------------------


def docstrings(path: Path) -> Iterator[tuple[int, str]]:
    """Every string a documentation tool reads in a module: docstrings of the module, classes and
    functions, and the strings that follow an assignment (attribute docstrings)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            yield node.lineno, node.value.value


def test_docstrings_have_no_rest_roles_or_literal_blocks() -> None:
    problems, checked = [], 0
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        for line, text in docstrings(path):
            checked += 1
            for offset, row in enumerate(text.splitlines()):
                if ROLE.search(row):
                    problems.append(f"knockkit/{name}:{line + offset}: a reST role (write `name`): {row.strip()}")
                if row.rstrip().endswith("::"):
                    problems.append(f"knockkit/{name}:{line + offset}: a reST '::' block (use a ```python fence)")
    assert checked > 400, checked
    assert not problems, "\n".join(problems)


def test_the_check_finds_what_it_bans(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text('"""See :class:`Client`.\n\nLike this::\n\n    x = 1\n"""\nX = 1\n"""Also :meth:`get`."""\n')
    rows = [row for _, text in docstrings(module) for row in text.splitlines()]
    assert [bool(ROLE.search(row)) for row in rows] == [True, False, False, False, False, True]
    assert [row for row in rows if row.rstrip().endswith("::")] == ["Like this::"]


def test_every_public_module_has_a_reference_page() -> None:
    shown = {m for page in REFERENCE.glob("*.md") for m in re.findall(r"^::: (knockkit[\w.]*)", page.read_text(), re.M)}
    modules = {
        ".".join(("knockkit", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        for path in PACKAGE.rglob("*.py")
    }
    public = {m for m in modules if not any(part.startswith("_") for part in m.split("."))}
    # Packages whose pages list their modules; Page and PageInfo (on requests.md, by their
    # public names); Django's app config and checks (INSTALLED_APPS plumbing). Of the fake,
    # the package (FakeKnock, Step...), the plugin and the engine's package (its public names):
    # the rest is its machinery.
    unlisted = {"knockkit", "knockkit.providers", "knockkit.contrib", "knockkit.models.pages",
                "knockkit.contrib.django.apps", "knockkit.contrib.django.checks"}  # fmt: skip
    fake = {m for m in public if m.startswith("knockkit.testing.")} - {"knockkit.testing.plugin",
                                                                     "knockkit.testing.engine"}
    missing = sorted(public - shown - unlisted - fake)
    assert not missing, f"no page in docs/reference/ shows {missing}"


# --- the built site ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs built as CI builds them, once per session."""
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("pymdownx") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the docs extra is not installed (CI=true: the docs tests must run)")
        pytest.skip("the docs extra is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    build = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)]
    done = subprocess.run(build, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def reference_pages(site: Path) -> dict[str, Path]:
    pages = {page.stem: site / "reference" / page.stem / "index.html" for page in REFERENCE.glob("*.md")}
    pages["index"] = site / "reference" / "index.html"
    return pages


def main_text(page: Path) -> str:
    """The page's content (not the navigation), as a reader sees it: tags removed, entities decoded."""
    source = page.read_text(encoding="utf-8")
    return source[source.index('role="main"') :]


def as_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


PRIVATE_NAME = re.compile(r"(?<![\w.])_[A-Za-z]\w*")
# Where code-like names are shown: signatures, headings, "Bases: ...".
SIGNATURE = re.compile(
    r'<div class="doc-signature highlight">(.*?)</div>|<h\d[^>]*class="doc doc-heading"(.*?)</h\d>|<p>Bases:(.*?)</p>',
    re.S,
)
INTERNALS = ("_check", "mask_key", "attrs.field(", "attrs.Factory", "attr.ib(", ":class:", ":meth:", ":func:")


def test_reference_pages_show_no_internals(site: Path) -> None:
    problems = []
    for name, page in sorted(reference_pages(site).items()):
        assert page.exists(), f"docs/reference/{name}.md was not built (is it in mkdocs.yml's nav?)"
        content = main_text(page)
        text = as_text(content)
        problems += [f"{name}: shows {internal!r}" for internal in INTERNALS if internal in text]
        for match in SIGNATURE.finditer(content):
            shown = as_text("".join(part or "" for part in match.groups()))
            found = PRIVATE_NAME.findall(shown)
            problems += [f"{name}: a private name {private!r} in {shown.strip()!r}" for private in found]
    assert not problems, "\n".join(problems)


def test_reference_pages_are_small(site: Path) -> None:
    sizes = {name: page.stat().st_size for name, page in reference_pages(site).items()}
    assert len(sizes) >= 20, sizes
    too_big = {name: f"{size / 1024:.0f} KiB" for name, size in sizes.items() if size > 200 * 1024}
    assert not too_big, too_big


def test_resource_pages_say_async_clients_return_awaitables(site: Path) -> None:
    """A page documenting endpoint functions (a ``client`` first) says what an AsyncClient changes."""
    pages = []
    for page in sorted(REFERENCE.glob("*.md")):
        source = page.read_text(encoding="utf-8")
        modules = re.findall(r"^::: (knockkit[\w.]*)$", source, re.M)
        if not any(has_endpoints(module) for module in modules):
            continue
        pages.append(page.stem)
        text = " ".join(as_text(main_text(reference_pages(site)[page.stem])).split())
        assert "takes a knockkit.AsyncClient in place of the Client, and then returns an awaitable" in text, page.stem
    assert len(pages) >= 12, pages


def has_endpoints(dotted: str) -> bool:
    try:
        module = importlib.import_module(dotted)
    except ImportError:
        return False
    functions = [getattr(module, name) for name in getattr(module, "__all__", ())]
    return any(
        inspect.isfunction(fn) and next(iter(inspect.signature(fn).parameters), None) == "client" for fn in functions
    )


REMOTE = re.compile(
    r"<script[^>]*\bsrc=[\"'](?:https?:)?//[^\"']*|<link[^>]*\bhref=[\"'](?:https?:)?//[^\"']*|@import\s+url\([\"']?(?:https?:)?//",
    re.I,
)


def test_the_site_loads_no_remote_scripts_or_stylesheets(site: Path) -> None:
    found = {}
    for path in [*site.rglob("*.html"), *site.rglob("*.css")]:
        hits = REMOTE.findall(path.read_text(encoding="utf-8", errors="replace"))
        # <link rel="canonical"> and friends are not loaded; stylesheets, preloads and icons are.
        hits = [hit for hit in hits if not re.search(r'rel=["\'](?:canonical|alternate)', hit)]
        if hits:
            found[path.relative_to(site).as_posix()] = hits
    assert not found, found
    users = (site / "reference" / "users" / "index.html").read_text(encoding="utf-8")
    assert "highlight.js" not in users and "hljs" not in users
    assert 'href="../../css/pygments.css"' in users
    assert re.search(r'<span class="(?:k|kn|nf|nb|s2|mi)">', users)  # colored at build time


def test_the_remote_pattern_finds_what_the_mkdocs_theme_loaded_from_a_cdn() -> None:
    cdn = "https://cdnjs.cloudflare.com/ajax/libs/highlight.js/11.8.0"
    assert REMOTE.search(f'<script src="{cdn}/highlight.min.js"></script>')
    assert REMOTE.search(f'<link id="hljs-light" rel="stylesheet" href="{cdn}/styles/github.min.css">')
    assert REMOTE.search('<link rel="stylesheet" href="//fonts.example/css">')
    assert not REMOTE.search('<script src="../../js/base.js"></script><link href="../../css/pygments.css">')


def test_the_pygments_stylesheet_is_what_pygments_generates() -> None:
    from pygments.formatters import HtmlFormatter

    committed = (ROOT / "docs" / "css" / "pygments.css").read_text(encoding="utf-8")
    rules = committed.split("*/", 1)[1].strip()
    assert rules == HtmlFormatter(style="friendly").get_style_defs(".highlight").strip()


# --- in a browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    """The site served on loopback, as ``mkdocs serve`` would (file:// pages differ in subtle ways)."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


COLORS = """() => {
    const function_name = document.querySelector("div.highlight code .nf");  // a signature's name
    const string = document.querySelector("div.highlight code .s2");         // a docstring example's string
    const code = function_name && function_name.closest("code");
    const color = (element) => element ? getComputedStyle(element).color : null;
    return {text: color(code), function_name: color(function_name), string: color(string),
            background: code ? getComputedStyle(code.closest("div.highlight")).backgroundColor : null};
}"""


def test_a_resource_page_in_a_browser(browser_page: Any, site_url: str) -> None:
    from tests.browser import screenshot_path

    requests: list[str] = []
    browser_page.on("request", lambda request: requests.append(request.url))
    browser_page.goto(f"{site_url}/reference/users/", wait_until="networkidle")

    assert browser_page.title().startswith("Users")
    colors = browser_page.evaluate(COLORS)
    assert colors["function_name"] and colors["string"], colors
    assert len({colors["text"], colors["function_name"], colors["string"]}) == 3, colors
    assert colors["background"] not in (None, "rgba(0, 0, 0, 0)"), colors  # the style's own background
    browser_page.screenshot(path=str(screenshot_path("docs-reference-users")))

    # A function with its signature and Args table.
    browser_page.goto(f"{site_url}/reference/workflows/#knockkit.workflows.trigger", wait_until="networkidle")
    assert browser_page.locator('[id="knockkit.workflows.trigger"]').is_visible()
    browser_page.screenshot(path=str(screenshot_path("docs-reference-workflows-trigger")))

    outside = [url for url in requests if not url.startswith((site_url + "/", "data:"))]
    assert requests and not outside, outside
