"""Read workflow directories in the layout Knock's CLI pulls and pushes.

```
workflows/
  new-comment/
    workflow.json              steps, categories, conditions, settings
    email_1/html_body.html     referenced from workflow.json as "html_body@": "email_1/html_body.html"
    email_1/visual_blocks.json may itself reference "content@": "visual_blocks/1.content.md"
    in_app_feed_1/markdown_body.md
```

A key ending in ``@`` names a file, relative to the file that holds the key, whose text
becomes the field without the ``@`` (a ``visual_blocks.json`` is decoded as JSON). As in
the CLI, references go at most two files deep and must stay inside the workflow
directory; a field given inline as well keeps its inline value.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from knockkit.testing.engine.model import WorkflowDefinition
from knockkit.testing.engine.parse import WorkflowFileError, parse_workflow

__all__ = ["WORKFLOW_JSON", "WorkflowFileError", "load_workflow", "load_workflows"]

WORKFLOW_JSON = "workflow.json"
_JSON_FILES = ("visual_blocks.json",)
_MAX_DEPTH = 2


def load_workflows(
    path: str | os.PathLike[str], *, channel_types: Mapping[str, str] | None = None
) -> dict[str, WorkflowDefinition]:
    """Every workflow under ``path``, by key: a directory of workflow directories (as
    ``knock pull --all`` writes them), or a single workflow directory.

    A workflow's key is its directory's name. ``channel_types`` maps channel keys
    (``"postmark"``) to channel types (``"email"``) for channel steps whose
    ``workflow.json`` names no ``channel_type`` and whose ref does not tell it.
    """
    root = Path(path)
    if not root.is_dir():
        raise ValueError(f"workflows directory {root} does not exist or is not a directory")
    if (root / WORKFLOW_JSON).is_file():
        workflow = load_workflow(root, channel_types=channel_types)
        return {workflow.key: workflow}
    found = sorted(child for child in root.iterdir() if (child / WORKFLOW_JSON).is_file())
    if not found:
        raise ValueError(f"{root} holds no workflow directories (folders with a {WORKFLOW_JSON})")
    return {child.name: load_workflow(child, channel_types=channel_types) for child in found}


def load_workflow(
    path: str | os.PathLike[str], *, key: str | None = None, channel_types: Mapping[str, str] | None = None
) -> WorkflowDefinition:
    """One workflow directory; its key is ``key`` or the directory's name."""
    directory = Path(path)
    document_path = directory / WORKFLOW_JSON
    if not document_path.is_file():
        raise ValueError(f"{directory} is not a workflow directory (it has no {WORKFLOW_JSON})")
    document = _read_json(document_path, document_path, "")
    if not isinstance(document, dict):
        raise WorkflowFileError(document_path, "", "must hold a JSON object")
    document.pop("__readonly", None)
    files: dict[str, str] = {}
    joined = _Joiner(directory, document_path, files).join(document, "", ".", 1)
    return parse_workflow(key or directory.name, joined, path=document_path, files=files, channel_types=channel_types)


def _read_json(file: Path, named: Path, field: str) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise WorkflowFileError(named, field, f"is not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise WorkflowFileError(named, field, f"is not valid JSON: {exc.msg} at {where}") from None


class _Joiner:
    """Inlines ``@`` file references, recording which field came from which file."""

    def __init__(self, directory: Path, document_path: Path, files: dict[str, str]) -> None:
        self.directory = directory
        self.document_path = document_path
        self.files = files
        self.seen: set[str] = set()

    def join(self, node: Any, field: str, base: str, depth: int) -> Any:
        """``node`` with its references joined; ``base`` is the directory (relative to the
        workflow directory) of the file ``node`` came from."""
        if isinstance(node, list):
            return [self.join(item, f"{field}[{i}]", base, depth) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        joined: dict[str, Any] = {}
        for key, value in node.items():
            name = key[:-1]
            at = f"{field}.{name}" if field else name
            if not key.endswith("@") or not name or name in node:
                joined[key] = self.join(value, f"{field}.{key}" if field else key, base, depth)
                continue
            relative = self._relative(value, base, at)
            joined[key] = relative
            joined[name] = self._content(relative, at, depth)
            self.files[at] = relative
        return joined

    def _relative(self, value: object, base: str, field: str) -> str:
        """The referenced file's path relative to the workflow directory, checked."""
        problem = "must be a relative path to a file inside the workflow directory"
        if not isinstance(value, str) or not value or posixpath.isabs(value) or os.path.isabs(value):
            raise WorkflowFileError(self.document_path, f"{field}@", f"{problem}, not {value!r}")
        relative = posixpath.normpath(posixpath.join(base, value))
        if relative == ".." or relative.startswith("../"):
            raise WorkflowFileError(self.document_path, f"{field}@", f"{problem}, not {value!r}")
        if relative in self.seen:
            raise WorkflowFileError(self.document_path, f"{field}@", f"{relative} is referenced twice")
        self.seen.add(relative)
        return relative

    def _content(self, relative: str, field: str, depth: int) -> Any:
        file = self.directory / relative
        if not file.is_file():
            raise WorkflowFileError(self.document_path, f"{field}@", f"refers to {relative}, which does not exist")
        if posixpath.basename(relative).lower() not in _JSON_FILES:
            try:
                return file.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise WorkflowFileError(file, "", f"is not UTF-8 text ({exc.reason})") from None
        content = _read_json(file, file, "")
        if depth >= _MAX_DEPTH:
            return content
        return self.join(content, field, posixpath.dirname(relative) or ".", depth + 1)
