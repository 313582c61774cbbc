"""Where the ready mappings that ship with okrsync live.

In a source checkout they are in the repository's `mappings/` folder; in an installed wheel the
same files are packaged as `okrsync/_mappings/` (see pyproject's force-include).
"""

from __future__ import annotations

from pathlib import Path

from okrsync.errors import ConfigError

_PACKAGED = Path(__file__).resolve().parents[1] / "_mappings"
_CHECKOUT = Path(__file__).resolve().parents[2] / "mappings"


def mappings_dir() -> Path:
    """The folder holding the shipped mapping files."""
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def shipped_mapping(name: str) -> Path:
    """The path of one shipped mapping file, e.g. `notion-okr-template.yaml`."""
    path = mappings_dir() / name
    if not path.is_file():
        raise ConfigError(
            f"the shipped mapping {name!r} is missing from {mappings_dir()}",
            hint="reinstall okrsync",
        )
    return path
