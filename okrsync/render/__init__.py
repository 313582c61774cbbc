"""Renderers of a review: Markdown and HTML documents, and the JSON report.

Each renderer is a pure function of a `Review`; the CLI prints their output and the connectors
reuse the same cycle reviews (`okrsync.review_build`) to build their pages.
"""

from __future__ import annotations

from okrsync.render.html import render_html
from okrsync.render.json import render_json
from okrsync.render.markdown import render_markdown

__all__ = ["render_html", "render_json", "render_markdown"]
