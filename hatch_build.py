"""Build hook: compile the message catalogues (.po -> .mo) into every wheel.

The `.mo` files are build output (git ignores them). A regular wheel gets them through
`force_include`; an editable install (`make install`) imports from the checkout, so the hook
writes them next to their `.po` there. The compiling itself is okrsync's own
(`okrsync/i18n/catalogue_files.py`, loaded by path because the package is not installed yet).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _catalogue_files(root: Path) -> ModuleType:
    path = root / "okrsync" / "i18n" / "catalogue_files.py"
    spec = importlib.util.spec_from_file_location("_okrsync_catalogue_files", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CatalogueBuildHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        files = _catalogue_files(root)
        for mo in files.compile_all(root / "okrsync" / "locale"):
            if version != "editable":
                build_data["force_include"][str(mo)] = mo.relative_to(root).as_posix()
