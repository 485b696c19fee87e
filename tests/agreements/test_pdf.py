"""dualflow.pdf: only static files are fetched, plain data only, deterministic PDF/A output."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from jinja2 import ChoiceLoader, DictLoader

from dualflow import pdf
from dualflow.config import PROJECT_ROOT

STATIC = (PROJECT_ROOT / "static").resolve()


@pytest.fixture
def fetcher(app):
    return pdf.StaticOnlyFetcher(STATIC)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "http://example.com/logo.png",
    "https://example.com/font.ttf",
    "ftp://example.com/x",
    "data:text/plain,hello",
    "static:../dualflow/config.py",
    "static:fonts/../../dualflow/config.py",
    f"{STATIC.as_uri()}/../dualflow/config.py",
    "static:fonts/missing.ttf",
    "file://evil.example/etc/passwd",
])
def test_fetcher_refuses_everything_outside_static(fetcher, url):
    with pytest.raises(pdf.URLRefused):
        fetcher.fetch(url)


def test_fetcher_serves_static_files(fetcher):
    font = fetcher.fetch("static:fonts/DejaVuSans.ttf")
    assert font.read()[:4] == (STATIC / "fonts" / "DejaVuSans.ttf").read_bytes()[:4]
    assert font.content_type == "font/ttf"
    logo = fetcher.fetch((STATIC / "img" / "logo.svg").as_uri())
    assert logo.content_type == "image/svg+xml"


def test_font_and_licence_are_committed():
    fonts = STATIC / "fonts"
    assert (fonts / "DejaVuSans.ttf").is_file() and (fonts / "DejaVuSans-Bold.ttf").is_file()
    assert "Bitstream" in (fonts / "LICENSE-DejaVu.txt").read_text()


@pytest.fixture
def probe_template(app, monkeypatch):
    """A throw-away template under pdf/ that tries to load files it must not get."""
    source = """{% extends "pdf/_document.html" %}
{% block doc_title %}Probe{% endblock %}
{% block body %}<h1>{{ heading }}</h1>
<img src="file:///etc/passwd" alt="passwd">
<img src="http://example.com/tracker.png" alt="tracker">
<img src="../dualflow/config.py" alt="relative escape">
<img src="img/logo.svg" alt="logo" style="width: 20mm">
<p>{% for i in range(rows) %}regel {{ i }} {% endfor %}</p>{% endblock %}"""
    loader = ChoiceLoader([DictLoader({"pdf/probe.html": source}), app.jinja_env.loader])
    monkeypatch.setattr(app.jinja_env, "loader", loader)
    app.jinja_env.cache.clear()
    yield "probe.html"
    app.jinja_env.cache.clear()


def test_rendering_refuses_outside_resources_and_still_renders(app, probe_template, caplog,
                                                              monkeypatch):
    requested = []
    original = pdf.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    with app.app_context():
        content = pdf.render_pdf(probe_template, {"heading": "Proef", "rows": 3, "lang": "nl"})
    assert content.startswith(b"%PDF-")
    assert b"root:x:0:0" not in content
    text = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Proef" in text and "pagina 1 van 1" in text
    refused = [record.getMessage() for record in caplog.records
               if "refused to fetch" in record.getMessage()]
    assert any("file:///etc/passwd" in line for line in refused)
    assert any("http://example.com/tracker.png" in line for line in refused)
    assert any("dualflow/config.py" in line for line in refused)
    # The fonts came through the fetcher from static/fonts (not from the system).
    assert any(url.endswith("fonts/DejaVuSans.ttf") for url in requested)


def test_render_is_deterministic(app, probe_template):
    with app.app_context():
        first = pdf.render_pdf(probe_template, {"heading": "Zelfde", "rows": 2,
                                                "created": "2026-09-01"})
        second = pdf.render_pdf(probe_template, {"heading": "Zelfde", "rows": 2,
                                                 "created": "2026-09-01"})
    assert first == second
    assert pdf.sha256(first) == pdf.sha256(second)


def test_orm_objects_are_refused_as_template_data(app, world, probe_template):
    with app.app_context(), pytest.raises(TypeError, match="plain data"):
        pdf.render_pdf(probe_template, {"heading": "x", "rows": 1,
                                        "learner": {"row": world.learner_a}})


def test_static_root_is_the_project_static_folder(app):
    with app.app_context():
        assert pdf.static_root() == Path(app.static_folder).resolve() == STATIC
