"""Renderers of a review: Markdown and HTML documents, and the JSON report.

Each renderer is a pure function of a `Review`; the CLI prints their output and the connectors
reuse the same cycle reviews (`okrsync.review_build`) to build their pages. The HTML renderer
(`okrsync.render.html`) is not imported here: it draws charts with matplotlib, whose import
alone costs about half a second of CPU, which every command importing the JSON or Markdown
renderer would otherwise pay.
"""

from __future__ import annotations

from okrsync.render.json import render_json
from okrsync.render.markdown import render_markdown

__all__ = ["render_json", "render_markdown"]
