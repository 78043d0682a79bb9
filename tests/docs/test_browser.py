"""The built site in headless Chromium: every page clean, the reference, search, Swagger UI."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)

from .conftest import CHROMIUM_ARGS, REPORTS

pytestmark = pytest.mark.browser

# Resolves to the `src` of every image that failed to load (lazy ones are loaded first).
_BROKEN_IMAGES_JS = """
async () => {
  const images = [...document.images];
  const results = await Promise.all(images.map(async (img) => {
    img.loading = "eager";
    try { await img.decode(); } catch (e) { return img.currentSrc || img.src; }
    return img.naturalWidth > 0 ? null : (img.currentSrc || img.src);
  }));
  return results.filter((src) => src !== null);
}
"""


# True once no CSS transition or animation is running (the header title, the TOC scroll).
_ANIMATIONS_SETTLED_JS = "() => document.getAnimations().every(a => a.playState !== 'running')"


@dataclass
class Problems:
    """Everything that went wrong while a page was open."""

    origin: str
    found: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"page error: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)
        page.route("**/*", self._only_local)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.found.append(f"console error: {message.text}")

    def _request_failed(self, request: Request) -> None:
        self.found.append(f"failed request: {request.url} ({request.failure})")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.found.append(f"HTTP {response.status}: {response.url}")

    def _only_local(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.origin) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.found.append(f"request outside the site: {url}")
            route.abort()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    # Module scope: Playwright's sync API holds an asyncio loop on this thread until it stops,
    # and any later test that starts a loop of its own would fail while it is held.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visitor:
    browser: Browser
    site_url: str

    def open(self, path: str) -> tuple[Page, Problems]:
        page = self.browser.new_page(viewport={"width": 1280, "height": 900})
        problems = Problems(self.site_url.rstrip("/"))
        problems.watch(page)
        page.goto(urljoin(self.site_url, path), wait_until="networkidle")
        return page, problems


@pytest.fixture
def visitor(browser: Browser, site_url: str) -> Visitor:
    return Visitor(browser, site_url)


def _is_page(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith("/") or path.endswith(".html")


def test_every_page_loads_cleanly_with_working_links_and_images(
    visitor: Visitor, site_url: str
) -> None:
    to_visit = [site_url]
    visited: set[str] = set()
    anchors: dict[str, set[str]] = {}
    ids: dict[str, set[str]] = {}
    resources: set[str] = set()
    problems_by_page: dict[str, list[str]] = {}
    while to_visit:
        url = to_visit.pop()
        if url in visited:
            continue
        visited.add(url)
        page, problems = visitor.open(url)
        problems.found += [f"broken image: {src}" for src in page.evaluate(_BROKEN_IMAGES_JS)]
        ids[url] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        links: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        page.close()
        if problems.found:
            problems_by_page[url] = problems.found
        for link in links:
            target, fragment = urldefrag(link)
            if not target.startswith(site_url):
                continue
            if _is_page(target):
                to_visit.append(target)
                # Fragments starting with "/" are Swagger UI's routes, not element ids.
                if fragment and not fragment.startswith("/"):
                    anchors.setdefault(target, set()).add(fragment)
            else:
                resources.add(target)

    assert not problems_by_page, problems_by_page
    missing_anchors = {
        page: sorted(fragments - ids.get(page, set()))
        for page, fragments in anchors.items()
        if fragments - ids.get(page, set())
    }
    assert not missing_anchors
    assert len(visited) >= 15, sorted(visited)
    _assert_resources_load(visitor, sorted(resources))


def _assert_resources_load(visitor: Visitor, urls: list[str]) -> None:
    page, _ = visitor.open("")
    failures = [url for url in urls if not page.request.get(url).ok]
    page.close()
    assert not failures


def test_reference_page_shows_the_four_operations_and_the_study_list(
    visitor: Visitor, spec: dict[str, Any]
) -> None:
    page, problems = visitor.open("reference/")
    headings = page.locator("article h3").all_inner_texts()
    operations = [op for item in spec["paths"].values() for op in item.values()]
    assert len(operations) == 4
    for operation in operations:
        assert any(operation["summary"] in heading for heading in headings), operation["summary"]
    endpoints = page.locator("p.endpoint").all_inner_texts()
    assert sorted(" ".join(text.split()) for text in endpoints) == sorted(
        f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
    )
    study_table = page.locator("xpath=//h3[@id='study']/following::table[1]")
    study_cells = study_table.locator("tbody tr td:first-child")
    studies = spec["components"]["schemas"]["Study"]["enum"]
    assert study_cells.all_inner_texts() == studies
    assert study_cells.first.is_visible()
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORTS / "docs-reference.png"))
    page.goto(page.url.split("#")[0] + "#capture-advanced-chart")
    page.locator(".md-header__title--active").wait_for()
    page.wait_for_function(_ANIMATIONS_SETTLED_JS)
    page.screenshot(path=str(REPORTS / "docs-reference-operation.png"))
    page.close()
    assert not problems.found


def test_home_page_screenshot(visitor: Visitor) -> None:
    page, problems = visitor.open("")
    assert page.locator("article h1").inner_text().startswith("chart-img-kit")
    assert page.locator("article img").count() >= 2
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORTS / "docs-home.png"), full_page=True)
    page.close()
    assert not problems.found


def test_search_finds_open_interest(visitor: Visitor) -> None:
    page, problems = visitor.open("")
    search = page.locator("input.md-search__input")
    search.click()
    # Typed key by key: the theme searches on keyboard events, which `fill` does not send.
    search.press_sequentially("Open Interest")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=15_000)
    texts = " ".join(results.all_inner_texts())
    assert "Open Interest" in texts
    page.close()
    assert not problems.found


def test_interactive_page_renders_every_operation(visitor: Visitor, spec: dict[str, Any]) -> None:
    page, problems = visitor.open("reference/interactive/")
    blocks = page.locator("#swagger-ui .opblock")
    blocks.first.wait_for(state="visible", timeout=15_000)
    expected = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    shown = {
        (
            block.locator(".opblock-summary-method").inner_text().strip(),
            block.locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for block in blocks.all()
    }
    assert shown == expected
    assert spec["info"]["title"] in page.locator("#swagger-ui .info .title").inner_text()
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORTS / "docs-interactive.png"))
    page.close()
    assert not problems.found
