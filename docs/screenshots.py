"""Take the README's screenshots of the web app (docs/screenshots/*.png).

Serves the store named by KG_STORE (build it first: `kg ingest data/corpus`) on a loopback
port, opens the pages in headless Chromium (Playwright, /usr/bin/chromium) and writes small
palette PNGs (each kept under 150 KB). Nothing is fetched from elsewhere: a request to any
other host is refused.

    KG_STORE=/tmp/store python docs/screenshots.py
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

OUT = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
MAX_BYTES = 150_000

QUERY = ("SELECT ?place ?label ?lat ?long (COUNT(DISTINCT ?org) AS ?organisations) WHERE {\n"
         "  ?place a ikg:City ; rdfs:label ?label ; geo:lat ?lat ; geo:long ?long .\n"
         "  ?org a ikg:Organisation ; ikg:locatedIn ?place .\n"
         "} GROUP BY ?place ?label ?lat ?long ORDER BY DESC(?organisations)")


def _save(png: bytes, path: Path) -> None:
    """Write a screenshot as a palette PNG, halving its size until it is small enough."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    while True:
        buf = io.BytesIO()
        image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(buf, "PNG",
                                                                         optimize=True)
        if buf.tell() <= MAX_BYTES or image.width < 500:
            break
        image = image.resize((image.width * 4 // 5, image.height * 4 // 5), Image.LANCZOS)
    path.write_bytes(buf.getvalue())
    print(f"{path.relative_to(OUT.parent.parent)}  {buf.tell() // 1024} KB  {image.size}")


def main() -> None:
    """Serve the store, visit the pages, write the screenshots."""
    from playwright.sync_api import sync_playwright
    from waitress.server import create_server

    from kg.settings import load_settings
    from webapp import create_app

    settings = load_settings()
    app = create_app(settings)
    app.config["KG_TILE_URL"] = ""
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    url = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    threading.Thread(target=server.run, daemon=True).start()
    OUT.mkdir(exist_ok=True)

    def local_only(route: object) -> None:
        host = urlsplit(route.request.url).hostname  # type: ignore[attr-defined]
        if host == "127.0.0.1" or route.request.url.startswith("data:"):  # type: ignore[attr-defined]
            route.continue_()  # type: ignore[attr-defined]
        else:
            route.abort()  # type: ignore[attr-defined]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        context.route("**/*", local_only)
        pg = context.new_page()

        pg.goto(url + "/map")
        pg.wait_for_selector("#map[data-markers]")
        pg.locator("#map").scroll_into_view_if_needed()
        pg.wait_for_timeout(500)
        _save(pg.locator("#map").screenshot(), OUT / "map.png")

        pg.goto(url + "/query?query=" + quote(QUERY))
        pg.wait_for_selector("#results tbody tr")
        pg.set_viewport_size({"width": 1200, "height": 960})
        pg.evaluate("window.scrollTo(0, 0)")
        pg.wait_for_timeout(300)
        _save(pg.screenshot(full_page=False), OUT / "query.png")
        pg.click('.view-tab[data-view="map"]')
        pg.wait_for_selector("#view-map[data-ready]")
        pg.evaluate("window.scrollTo(0, 0)")
        pg.wait_for_timeout(500)
        _save(pg.screenshot(full_page=False), OUT / "query-map.png")
        pg.set_viewport_size({"width": 1200, "height": 800})

        pg.goto(url + "/timeline?from=2019-12-01&to=2019-12-08")
        pg.wait_for_selector("#timeline .vis-item-content")
        pg.locator("#timeline .vis-range .vis-item-content").last.click()
        pg.wait_for_selector("#timeline-detail:not([hidden])")
        _save(pg.screenshot(full_page=True), OUT / "timeline.png")

        pg.goto(url + "/search?q=integra")
        pg.wait_for_selector("ul.hits li")
        _save(pg.screenshot(full_page=False), OUT / "search.png")

        pg.goto(url + "/.well-known/void")
        pg.wait_for_selector("#void-counts")
        _save(pg.screenshot(full_page=False), OUT / "void.png")
        browser.close()
    server.close()
    os._exit(0)  # the query workers' pool ends with the process


if __name__ == "__main__":
    main()
