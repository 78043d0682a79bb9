"""mkdocs hooks: the reference from `openapi.yaml`, charts from the reference server, assets.

Listed under `hooks:` in mkdocs.yml; the work is done by the `chart_img_docs` package beside it.
"""

from __future__ import annotations

from pathlib import Path

from chart_img_docs import SPEC_FILE, MarkerError, Site, Spec
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

_site: Site | None = None


def _project_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _site
    root = _project_root(config)
    spec = Spec.load(root / "openapi.yaml")
    _site = Site(spec, root / "node_modules" / "swagger-ui-dist")
    return config


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    site = _require_site()
    files.append(File.generated(config, SPEC_FILE, content=site.spec.text))
    for uri, source in site.swagger_ui_assets().items():
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    pages = {page.src_uri: page.content_string for page in files.documentation_pages()}
    try:
        images = site.chart_images(pages)
    except MarkerError as exc:
        raise PluginError(str(exc)) from None
    for uri, content in images.items():
        files.append(File.generated(config, uri, content=content))
    return files


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    try:
        return _require_site().expand(markdown, page.file.src_uri, page.url)
    except (MarkerError, KeyError, ValueError) as exc:
        raise PluginError(f"{page.file.src_uri}: {exc}") from None


def _require_site() -> Site:
    if _site is None:
        raise PluginError("the chart_img_docs hooks ran before on_config")
    return _site
