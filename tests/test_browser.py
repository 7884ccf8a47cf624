"""The pages in a real headless Chromium (Playwright): scripts run, nothing leaves the machine.

Needs the Python package `playwright` and a Chromium at /usr/bin/chromium (Debian package
`chromium`); without them the tests skip, except under CI=true, where they fail. Screenshots
go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sparql_valid_queries import VALID_QUERIES
from webapp_support import IKG, S1, S2, LiveServer, shared_server

CHROMIUM = Path(os.environ.get("KG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SHIPPED_QUERIES = Path(__file__).resolve().parent.parent / "queries"
LOCAL_HOSTS = {"127.0.0.1"}


def _browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    return shared_server(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _browser_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n", encoding="utf-8")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                      headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Watch:
    """What a page did: console errors, uncaught errors, dialogs, requests (and blocked ones)."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def check(self) -> None:
        """No console error, no alert, and every request went to 127.0.0.1."""
        assert not self.errors, self.errors
        assert not self.dialogs, self.dialogs
        assert not self.blocked, f"requests leaving the machine: {self.blocked}"
        for url in self.requests:
            parts = urlsplit(url)
            assert parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS, url


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Watch]]:
    watch = Watch()
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(r: Any) -> None:
        parts = urlsplit(r.request.url)
        if parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            watch.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watch.errors.append(str(e)))
    pg.on("request", lambda r: watch.requests.append(r.url))

    def on_dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    try:
        yield pg, watch
    finally:
        context.close()


def expect(locator: Any) -> Any:
    """Playwright's expect (imported late: the package may be missing)."""
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def shot(pg: Any, name: str) -> None:
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_query_page_runs_saved_queries(server: LiveServer, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server.url + "/query")
    pg.wait_for_selector('#query-app[data-ready="1"]')
    assert pg.locator("#editor .CodeMirror").count() == 1  # YASQE drew its editor
    pg.click('a.saved-title[data-name="projects"]')
    rows = pg.locator("#results table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    link = pg.locator("#results table tbody tr a").first
    assert link.get_attribute("href").startswith("/resource/project/")
    # A parameterised query: its parameter is a form field.
    pg.click('a.saved-title[data-name="partners_of_project"]')
    pg.fill('form.saved-form[data-name="partners_of_project"] input[name="project"]',
            "BRIGHTBRIDGE")
    pg.click('form.saved-form[data-name="partners_of_project"] button')
    pg.locator("#results td", has_text="Sunfield Association").first.wait_for()
    assert pg.locator("#results table tbody tr").count() == 2
    pg.click("#results table th:nth-child(3)")
    first = pg.locator("#results table tbody tr").first.locator("td").nth(2).text_content()
    pg.click("#results table th:nth-child(3)")
    again = pg.locator("#results table tbody tr").first.locator("td").nth(2).text_content()
    assert {first, again} == {"City of Vålmora", "Sunfield Association"}
    permalink = pg.locator("#permalink").get_attribute("href")
    assert "saved=partners_of_project" in permalink and "project=BRIGHTBRIDGE" in permalink
    assert pg.locator("#download-csv").get_attribute("href").endswith("format=csv") or \
        "format=csv" in pg.locator("#download-csv").get_attribute("href")
    shot(pg, "query")
    # The permalink restores and reruns the query: rows in view, IRIs shown as labels.
    pg.goto(server.url + permalink)
    expect(pg.locator("#results tbody tr")).to_have_count(2)
    first_row = pg.locator("#results tbody tr").first
    expect(first_row).to_be_in_viewport()
    cell = first_row.locator("a.iri-cell").first
    assert cell.text_content() == "BRIGHTBRIDGE"
    assert cell.get_attribute("title") == "http://kg.example.test/res/project/brightbridge"
    shot(pg, "query-permalink")
    pg.check("#raw")
    assert first_row.locator("a.iri-cell").first.text_content() == \
        "http://kg.example.test/res/project/brightbridge"
    pg.uncheck("#raw")
    # Two resource columns: the network view is offered and draws.
    pg.click('.view-tab[data-view="network"]')
    pg.wait_for_selector('#view-network[data-ready="3"]')
    assert pg.locator('.view-tab[data-view="map"]').is_hidden()
    # A bare link to a saved query with a required parameter shows its form, no error.
    pg.goto(server.url + "/query?saved=partners_of_project")
    pg.wait_for_selector('#query-app[data-ready="1"]')
    form = pg.locator('form.saved-form[data-name="partners_of_project"]')
    expect(form).to_be_visible()
    assert "Fill in" in pg.locator("#status").text_content()
    assert pg.locator("#status.error").count() == 0
    assert pg.locator("#results tbody tr").count() == 0
    # Completion offers this graph's own terms (no lookup elsewhere).
    pg.click("#editor .CodeMirror")
    pg.keyboard.press("Control+a")
    pg.keyboard.type(f"PREFIX ikg: <{IKG}>\nSELECT * WHERE {{\n  ?x a ikg:Pro")
    pg.keyboard.press("Control+Space")
    hints = pg.locator(".CodeMirror-hints li")
    hints.first.wait_for()
    assert "ikg:Project" in [h.strip() for h in hints.all_text_contents()]
    # The editor's own query goes to /sparql.
    pg.goto(server.url + "/query?query=" + "ASK%20%7B%20%3Fs%20a%20ikg%3AProject%20%7D")
    pg.wait_for_selector(".ask-result")
    assert "true" in pg.locator(".ask-result").text_content()
    watch.check()


def test_resource_page_shows_quoted_sentence(server: LiveServer, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server.url + "/resource/project/brightbridge")
    quote = pg.locator("blockquote.quote", has_text="welcomed the City of Vålmora")
    assert quote.count() == 1 and S1 in quote.text_content()
    pg.wait_for_selector("iframe.neighbourhood")
    shot(pg, "resource")
    pg.goto(server.url + "/resource/document/001-news-txt")
    assert "Acme <script>alert(1)</script> Trust" in pg.locator(".doc-text").text_content()
    shot(pg, "document")
    pg.goto(server.url + "/resource/place/geonames-900001")
    pg.wait_for_selector("#place-map path.leaflet-interactive")
    shot(pg, "place")
    watch.check()


def test_network_draws_nodes_and_click_navigates(server: LiveServer,
                                                 page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server.url + "/network?kind=Project&kind=Organisation")
    frame_el = pg.wait_for_selector("#network-frame")
    frame = frame_el.content_frame()
    frame.wait_for_selector('body[data-ready="1"]', timeout=20000)
    count = frame.evaluate("Object.keys(network.getPositions()).length")
    assert count >= 5
    shot(pg, "network")
    target = "http://kg.example.test/res/project/tidewater"
    pos = frame.evaluate(
        "(id) => { const p = network.canvasToDOM(network.getPositions([id])[id]);"
        " const r = document.getElementById('mynetwork').getBoundingClientRect();"
        " return {x: p.x + r.left, y: p.y + r.top}; }", target)
    box = frame_el.bounding_box()
    pg.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    pg.wait_for_url(re.compile(r".*/resource/project/tidewater$"))
    assert pg.locator("h1").text_content() == "TIDEWATER"
    watch.check()


def test_map_draws_outlines_markers_and_clusters(server: LiveServer,
                                                 page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server.url + "/map")
    pg.wait_for_selector("#map[data-markers]")
    # The offline base layer: Natural Earth country outlines, from this server.
    assert pg.locator("#map").get_attribute("data-basemap") == "outlines"
    assert pg.locator("#map path.kg-country").count() > 100
    markers = pg.locator("#map .kg-marker")
    assert markers.count() == 3
    assert pg.locator("#map .kg-place-label", has_text="Kestrel Bay").count() == 1
    markers.first.click()
    popup = pg.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("a").count() >= 2
    shot(pg, "map")
    # Zoomed out, the nearby places gather in one cluster showing their number.
    pg.evaluate("document.getElementById('map').kgMap.setZoom(3, {animate: false})")
    cluster = pg.locator("#map .marker-cluster")
    cluster.first.wait_for()
    assert cluster.first.text_content().strip() == "3"
    assert pg.locator("#map .kg-marker").count() == 0
    shot(pg, "map-clustered")
    watch.check()
    assert any(u.endswith("/static/vendor/world-atlas/countries-50m.json") for u in watch.requests)


def test_timeline_and_home_pages(server: LiveServer, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server.url + "/timeline")
    pg.wait_for_selector("#timeline .vis-item-content")
    assert pg.locator("#timeline .vis-item-content").count() == 3
    # A range is drawn as a bar; labels are short (label and place).
    assert pg.locator("#timeline .vis-item.vis-range", has_text="Harbour days · Kestrel Bay"
                      ).count() == 1
    shot(pg, "timeline")
    # A click shows the full sentence and its source; the item's page is one click on.
    pg.click("#timeline .vis-item-content >> text=Kick-off meeting")
    detail = pg.locator("#timeline-detail")
    expect(detail.locator("blockquote.quote")).to_have_text(S2)
    assert detail.locator("a.source-link").get_attribute("href") == \
        "/resource/document/001-news-txt"
    shot(pg, "timeline-detail")
    pg.click("#timeline .vis-item-content >> text=Tidewater workshop")
    detail.locator("h3 a", has_text="Tidewater workshop").click()
    pg.wait_for_url(re.compile(r".*/resource/event/tidewater-workshop$"))
    # The filter keeps what overlaps the period: the range before it is gone.
    pg.goto(server.url + "/timeline?from=2023-01-03&to=2023-12-31")
    pg.wait_for_selector("#timeline .vis-item-content")
    assert pg.locator("#timeline .vis-item-content").count() == 2
    assert pg.locator("#timeline", has_text="Harbour days").count() == 0
    shot(pg, "timeline-filtered")
    pg.goto(server.url + "/")
    assert pg.locator("#type-counts .card").count() >= 5
    shot(pg, "home")
    pg.fill("main input[name=q]", "valmora")
    pg.press("main input[name=q]", "Enter")
    pg.wait_for_selector("ul.hits li")
    assert "City of Vålmora" in pg.locator("ul.hits").text_content()
    assert pg.locator('.facet[data-facet="type"] li').count() >= 2
    shot(pg, "search")
    pg.locator('.facet[data-facet="type"] a', has_text="City").first.click()
    expect(pg.locator("ul.hits li")).to_have_count(1)
    assert "Vålmora" in pg.locator("ul.hits").text_content()
    shot(pg, "search-facet")
    # The dataset description is a page in a browser.
    pg.goto(server.url + "/.well-known/void")
    assert pg.locator("#void-counts .card").count() >= 4
    assert pg.locator("#void-classes a", has_text="ikg:Project").count() == 1
    shot(pg, "void")
    watch.check()


def _error_markers(pg: Any, text: str) -> int:
    """Put text in the editor, let its checker run, count the error markers it draws."""
    pg.evaluate("(t) => { const e = document.getElementById('editor').kgEditor; e.setValue(t);"
                " if (e.checkSyntax) { e.checkSyntax(); } }", text)
    pg.wait_for_timeout(150)
    return pg.locator("#editor .CodeMirror-gutters ~ * .parseErrorIcon, "
                      "#editor .parseErrorIcon, #editor .CodeMirror .error").count()


def test_query_editor_marks_no_valid_query(server: LiveServer, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server.url + "/query")
    pg.wait_for_selector('#query-app[data-ready="1"]')
    # The checker is on: a broken query gets its marker.
    assert _error_markers(pg, "SELECT ?x WHERE { ?x a ikg:Project } }") >= 1
    assert _error_markers(pg, "SELECT ?x WHERE { ?x a nope:Thing }") >= 1
    marked = []
    texts = {f"saved/{p.stem}": p.read_text(encoding="utf-8")
             for p in sorted(SHIPPED_QUERIES.glob("*.rq"))}
    texts.update(VALID_QUERIES)
    assert len(texts) > 20
    for name, text in texts.items():
        if _error_markers(pg, text):
            marked.append(name)
    assert marked == []
    # The default query comes without PREFIX lines and shows no marker either.
    pg.goto(server.url + "/query")
    pg.wait_for_selector('#query-app[data-ready="1"]')
    assert "PREFIX" not in pg.evaluate("document.getElementById('editor').kgEditor.getValue()")
    assert pg.locator("#editor .parseErrorIcon").count() == 0
    shot(pg, "query-editor")
    watch.check()


def test_query_result_views_and_downloads(server: LiveServer, page: tuple[Any, Watch]) -> None:
    pg, watch = page
    from urllib.parse import quote

    places = ("SELECT ?place ?label ?lat ?long WHERE { ?place a ikg:City ; rdfs:label ?label ;"
              " geo:lat ?lat ; geo:long ?long }")
    pg.goto(server.url + "/query?query=" + quote(places))
    expect(pg.locator("#results tbody tr")).to_have_count(2)
    pg.click('.view-tab[data-view="map"]')
    pg.wait_for_selector('#view-map[data-ready="2"]')
    assert pg.locator("#view-map path.kg-country").count() > 100
    shot(pg, "query-map")
    for fmt in ("csv", "tsv", "json"):
        assert f"format={fmt}" in pg.locator(f"#download-{fmt}").get_attribute("href")
    assert pg.locator("#download-ttl").is_hidden()
    events = ("SELECT ?event ?label ?date WHERE { ?event a ikg:Event ; rdfs:label ?label ;"
              " ikg:date ?date }")
    pg.goto(server.url + "/query?query=" + quote(events))
    expect(pg.locator("#results tbody tr")).to_have_count(2)
    pg.click('.view-tab[data-view="timeline"]')
    pg.wait_for_selector('#view-timeline[data-ready="2"]')
    pg.wait_for_selector("#view-timeline .vis-item-content")
    shot(pg, "query-timeline")
    construct = "CONSTRUCT { ?p ikg:fundedBy ?f } WHERE { ?p ikg:fundedBy ?f }"
    pg.goto(server.url + "/query?query=" + quote(construct))
    pg.wait_for_selector("pre.graph-result")
    assert "fundedBy" in pg.locator("pre.graph-result").text_content()
    assert "format=turtle" in pg.locator("#download-ttl").get_attribute("href")
    assert "format=jsonld" in pg.locator("#download-jsonld").get_attribute("href")
    assert pg.locator("#download-csv").is_hidden()
    watch.check()


@pytest.mark.parametrize("path", ["/ontology", "/peers?city=V%C3%A5lmora", "/export",
                                  "/resource/organisation/city-of-valmora"])
def test_other_pages_render_offline(server: LiveServer, page: tuple[Any, Watch],
                                    path: str) -> None:
    pg, watch = page
    pg.goto(server.url + path)
    assert pg.locator("h1").count() >= 1
    name = path.strip("/").split("?")[0].replace("/", "-") or "home"
    shot(pg, f"page-{name}")
    watch.check()
