"""The public site as people use it: every page of `published/site/`, built from the fixture warehouse,
opened from disk in Debian's Chromium (driven by Playwright) at a phone's width and a desktop's. Every chart
renders, nothing errs in the console, no request leaves the machine, nothing overflows at 375 px, every
link between pages resolves, and axe-core finds no serious or critical accessibility violation (at 375 px)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from assets.publish.site import publish_site, site_dir
from assets.settings import load_settings
from dashboards.render import PLOTLY_JS
from tests.conftest import TEST_KEY_HEX

QUARTER = (2025, 4)  # the fixture warehouse's one quarter
PHONE, DESKTOP = 375, 1280
WIDTHS = (PHONE, DESKTOP)
BLOCKING = ("serious", "critical")  # axe's impacts that fail the test; the others are printed
# axe audits each page at the phone's width only, where tables scroll and labels wrap (the DOM is the same at
# both widths): at both, it took 108 s of the 209 s the 66 visits of the 33 pages took (2 cores, load 15).
AUDITED = PHONE
NO_CHROMIUM = (
    "Chromium introuvable : les tests du site l'ouvrent dans le Chromium de Debian. Installez-le en root avec "
    "« apt-get install chromium » (ou lancez « make test », qui l'installe quand il manque)."
)

# Run in the page once it has loaded: what the assertions below need, each element named as
# tag#id.class « start of its text » so that a failure says which one.
PROBE = """() => {
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].map(c => '.' + c).join('')
    + (el.textContent.trim() ? ' « ' + el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 50) + ' »' : '');
  const width = window.innerWidth;
  const beyond = el => el.getBoundingClientRect().right > width + 0.5;
  const clipped = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    return false;
  };
  const overflowing = document.documentElement.scrollWidth > width
    ? [...document.body.querySelectorAll('*')]
        .filter(el => beyond(el) && !(el.parentElement && beyond(el.parentElement)) && !clipped(el))
    : [];
  return {
    unrendered: [...document.querySelectorAll('.plotly-graph-div')]
      .filter(d => !d.querySelector('.main-svg')).map(name),
    scroll_width: document.documentElement.scrollWidth,
    inner_width: width,
    overflowing: overflowing.slice(0, 5).map(name),
    links: [...document.querySelectorAll('a[href]')].map(a => [a.href, name(a)]).concat(
      // a point whose customdata is a page opens it on a click (static/site.js): a link too
      [...document.querySelectorAll('.plotly-graph-div')].flatMap(d => (d.data || []).flatMap(t =>
        [].concat(t.customdata || []).flat().filter(u => typeof u === 'string' && /\\.html(#.*)?$/.test(u))
          .map(u => [new URL(u, location.href).href, 'point de ' + name(d)])))),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  };
}"""
RENDERED = "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('.main-svg'))"


@dataclass
class Visit:
    """One page opened at one width: what the browser saw."""

    page: str  # relative to the site's folder
    width: int
    probe: dict
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    outside: list[str] = field(default_factory=list)  # requests that would have left the machine (aborted)
    local: list[str] = field(default_factory=list)  # file:// requests
    violations: list[dict] = field(default_factory=list)  # axe-core's
    seconds: float = 0.0
    axe_seconds: float = 0.0

    @property
    def where(self) -> str:
        return f"{self.page} à {self.width} px"


# axe's preload fetches the stylesheets by XHR, which Chromium refuses on file:// (CORS) with console errors:
# off, axe loses nothing here and the console holds only the page's own errors.
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}


def read_pages(browser: Browser, site: Path, pages: list[Path], width: int) -> list[Visit]:
    """Opens the pages one after the other in one tab, as a reader goes from page to page. The tab keeps its
    renderer and plotly.js compiled: 0.8 s a page against 2.6 s with a new tab each (measured under load)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    current: list[Visit] = []  # the visit the browser's events belong to
    tab.on("console", lambda m: current[-1].errors.append(f"console : {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: current[-1].errors.append(f"exception : {e}"))
    tab.route("**/*", lambda route: _route(route, current[-1]))
    try:
        for page in pages:
            current.append(Visit(page.relative_to(site).as_posix(), width, probe={}))
            _read(tab, page, current[-1])
    finally:
        context.close()
    return current


def _route(route, seen: Visit) -> None:
    url = route.request.url
    if url.startswith("file://"):
        seen.local.append(url)
        route.continue_()
    else:
        seen.outside.append(url)
        route.abort()


def _read(tab, page: Path, seen: Visit) -> None:
    started = time.perf_counter()
    tab.goto(page.as_uri())
    try:
        tab.wait_for_function(RENDERED, timeout=3_000)
    except PlaywrightTimeout:
        pass  # plotly draws while the page's scripts run, before `load`: the probe names what is undrawn
    seen.probe = tab.evaluate(PROBE)
    errors, audit = len(seen.errors), time.perf_counter()
    if seen.width == AUDITED:
        seen.violations = Axe().run(tab, options=AXE_OPTIONS).response["violations"]
    del seen.errors[errors:]  # what axe itself may log is not the page's
    seen.seconds, seen.axe_seconds = time.perf_counter() - started, time.perf_counter() - audit


@pytest.fixture(scope="module")
def site(warehouse) -> Path:
    """The public site of the fixture's quarter, built once for the module as `observatoire run` does."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATOIRE_HOME", str(warehouse))
        mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
        settings = load_settings(warehouse)
        publish_site(settings, *QUARTER, say=lambda *_: None)
    return site_dir(settings)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(NO_CHROMIUM)
    with sync_playwright() as p:
        # Playwright's driver (node, inside its wheel) drives Debian's Chromium given by executable_path: no
        # `playwright install`, no browser downloaded, at set-up or at run time. --no-sandbox: tests run as root.
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def pages(site) -> list[Path]:
    found = sorted(site.rglob("*.html"))
    assert found, f"aucune page sous {site}"
    return found


@pytest.fixture(scope="module")
def visits(site, pages, browser) -> list[Visit]:
    """Every page at both widths, in one browser."""
    seen = [v for width in WIDTHS for v in read_pages(browser, site, pages, width)]
    slowest = max(seen, key=lambda v: v.seconds)
    print(
        f"\n{len(seen)} visites en {sum(v.seconds for v in seen):.1f} s, "
        f"dont axe {sum(v.axe_seconds for v in seen):.1f} s (la plus lente : {slowest.where}, {slowest.seconds:.1f} s)"
    )
    return seen


def _fail_on(problems: list[str], what: str) -> None:
    assert not problems, f"{what} :\n" + "\n".join(problems)


# Each check returns its problems, one line per page, width and element: the tests below run them on the
# site, test_the_checks_catch_a_broken_page on a page broken on purpose (so that none of them is blind).


def unrendered_charts(visits: list[Visit]) -> list[str]:
    return [f"{v.where} : {div}" for v in visits for div in v.probe["unrendered"]]


def console_errors(visits: list[Visit]) -> list[str]:
    return [f"{v.where} : {e}" for v in visits for e in v.errors]


def requests_outside(visits: list[Visit]) -> list[str]:
    return [f"{v.where} : {url}" for v in visits for url in v.outside]


def overflows(visits: list[Visit]) -> list[str]:
    return [
        f"{v.where} : largeur {v.probe['scroll_width']} px > {v.probe['inner_width']} px, "
        f"dépassent : {', '.join(v.probe['overflowing']) or '?'}"
        for v in visits
        if v.width == PHONE and v.probe["scroll_width"] > v.probe["inner_width"]
    ]


def broken_links(visits: list[Visit], site: Path) -> list[str]:
    ids = {v.page: set(v.probe["ids"]) for v in visits}
    problems = {
        f"{v.where} : {element} → {href} : {why}"
        for v in visits
        for href, element in v.probe["links"]
        if (why := unresolved(href, site, ids))
    }
    return sorted(problems)


def unresolved(href: str, site: Path, ids: dict[str, set[str]]) -> str | None:
    """Why a link of the site does not lead anywhere from disk, or None (links to the web are not followed)."""
    url = urlsplit(href)
    if url.scheme != "file":
        return None
    target = Path(url2pathname(unquote(url.path)))
    if not target.is_relative_to(site):
        return "hors du dossier du site"
    if not target.is_file():
        return "fichier absent"
    anchor = unquote(url.fragment)
    page = target.relative_to(site).as_posix()
    if anchor and anchor not in ids.get(page, set()):
        return f"pas d'id « {anchor} » dans {page}"
    return None


def accessibility(visits: list[Visit]) -> list[str]:
    """axe-core's serious and critical violations; the others are printed."""
    problems = []
    for v in visits:
        for rule in v.violations:
            targets = ", ".join(" ".join(n["target"]) for n in rule["nodes"][:5])
            line = f"{v.where} : {rule['id']} ({rule['impact']}) {rule['help']} — {targets}"
            if rule["impact"] in BLOCKING:
                problems.append(line)
            else:
                print(line)
    return problems


def test_every_chart_renders_at_both_widths(visits):
    _fail_on(unrendered_charts(visits), "graphiques sans rendu (pas de .main-svg)")


def test_no_console_error_and_no_uncaught_exception(visits):
    _fail_on(console_errors(visits), "erreurs dans la console")


def test_no_request_leaves_the_machine(visits):
    _fail_on(requests_outside(visits), "requêtes hors de la machine")


def test_nothing_overflows_horizontally_at_375_px(visits):
    _fail_on(overflows(visits), "débordement horizontal")


def test_every_link_between_pages_resolves(site, visits):
    _fail_on(broken_links(visits, site), "liens cassés")


def test_axe_finds_no_serious_or_critical_violation_at_375_px(visits):
    _fail_on(accessibility(visits), "violations d'accessibilité graves ou critiques (axe-core)")


BROKEN = """<!doctype html><html><head><title>Cassée</title></head><body>
<link rel="stylesheet" href="https://fonts.example.org/css?family=Marianne">
<div class="plotly-graph-div" id="jamais-dessine"></div>
<img src="https://example.org/logo.png">
<div id="trop-large" style="width: 900px">Un tableau trop large</div>
<a href="absente.html">Page absente</a> <a href="cassee.html#nulle-part">Ancre absente</a>
<script>console.error("erreur volontaire"); throw new Error("exception volontaire");</script>
</body></html>"""


def test_the_checks_catch_a_broken_page(browser, tmp_path):
    page = tmp_path / "cassee.html"
    page.write_text(BROKEN, encoding="utf-8")
    seen = read_pages(browser, tmp_path, [page], PHONE)
    assert unrendered_charts(seen) == ["cassee.html à 375 px : div#jamais-dessine.plotly-graph-div"]
    assert any("erreur volontaire" in e for e in console_errors(seen))
    assert any("exception volontaire" in e for e in console_errors(seen))
    assert set(requests_outside(seen)) == {
        "cassee.html à 375 px : https://fonts.example.org/css?family=Marianne",
        "cassee.html à 375 px : https://example.org/logo.png",
    }
    assert web_sources(BROKEN) == ["https://fonts.example.org/css?family=Marianne"]
    [overflow] = overflows(seen)
    assert "div#trop-large « Un tableau trop large »" in overflow
    links = broken_links(seen, tmp_path)
    assert {line.rsplit(" : ", 1)[1] for line in links} == {
        "fichier absent",
        "pas d'id « nulle-part » dans cassee.html",
    }
    assert any(line.startswith("cassee.html à 375 px : image-alt (critical)") for line in accessibility(seen))


class _Sources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def web_sources(html: str) -> list[str]:
    """The `<script src>` and `<link href>` of a page that point to the web (a CDN, a web font)."""
    parser = _Sources()
    parser.feed(html)
    return [u for u in parser.urls if u.startswith(("http:", "https:", "//"))]


def test_plotly_js_comes_from_static_beside_the_pages_and_nothing_from_a_cdn(site, pages, visits):
    problems = [
        f"{page.relative_to(site)} : <script src>/<link href> vers le web : {u}"
        for page in pages
        for u in web_sources(page.read_text(encoding="utf-8"))
    ]
    for css in (site / "static").glob("*.css"):
        if "http:" in (text := css.read_text(encoding="utf-8")) or "https:" in text:
            problems.append(f"{css.relative_to(site)} : une adresse web (police ou image extérieure)")
    plotly = (site / "static" / "plotly.min.js").as_uri()
    for v in visits:
        fetched = [u for u in v.local if "plotly" in u and u.endswith(".js") and "locale" not in u]
        if fetched != [plotly]:
            problems.append(f"{v.where} : plotly.js chargé depuis {fetched or 'nulle part'}, attendu {plotly}")
    _fail_on(problems, "ressources hors du site")
    assert (site / "static" / "plotly.min.js").read_bytes() == PLOTLY_JS.read_bytes()
