"""okrsync: sync, score and coach OKRs kept in Notion databases or Confluence pages."""

__version__ = "0.1.0"
