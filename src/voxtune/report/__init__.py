"""Evaluation reports: JSON (every number), Markdown (the summary) and HTML (listen and compare)."""

from voxtune.report.html import render_html
from voxtune.report.markdown import render_markdown
from voxtune.report.write import write_report

__all__ = ["render_html", "render_markdown", "write_report"]
