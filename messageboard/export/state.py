"""What the last export to a folder holds, kept in the instance folder: the next carries over what is unchanged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def state_file(instance_path: str, out: Path) -> Path:
    """The file that records the exports to ``out``."""
    return Path(instance_path) / "export-state" / f"{hashlib.sha256(str(out).encode()).hexdigest()[:16]}.json"


def load_state(path: Path, site: str) -> dict:
    """The pages of the last export to this folder, if it was made from the same templates and options."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return state["pages"] if state.get("site") == site else {}


def save_state(path: Path, site: str, pages: dict) -> None:
    """Record the pages of this export: each file's inputs and the static files it names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"site": site, "pages": pages}))
