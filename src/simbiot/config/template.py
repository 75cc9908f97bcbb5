"""Render the documented YAML configuration from the settings models themselves.

Each value is the default from code and each explanation is the comment written above the
field in ``simbiot.config.sections`` (or its docstring-style section doc), so ``config/simbiot.yaml`` can
be regenerated (``simbiot config template``) and a test keeps it identical to the code.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from functools import cache
from typing import Any

from pydantic import BaseModel, SecretStr

from simbiot.config.settings import Settings

__all__ = ["GROUPED", "field_comments", "render_template", "undocumented_fields"]

_FIELD_LINE = re.compile(r"^    \w+: ")

# Marks a field documented by the comment of the group it continues.
GROUPED = "\x00grouped"

HEADER = """\
# Simbiot configuration: every threshold, limit and TTL, with its default.
#
# Precedence (lowest first): defaults in code < this file < .env < environment variables
# (SIMBIOT_<SECTION>__<FIELD>, e.g. SIMBIOT_CACHE__BACKEND=redis). Unknown keys are errors.
# Secrets (master keys, JWT secret, tokens) belong in .env or the environment, not here.
# Regenerate with: simbiot config template > config/simbiot.yaml
"""


@cache
def field_comments(model: type[BaseModel]) -> dict[str, list[str]]:
    """Return the comment lines written above (or beside) each field of ``model``'s class body."""
    try:
        source = textwrap.dedent(inspect.getsource(model))
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    tree = ast.parse(source)
    out: dict[str, list[str]] = {}
    cls = tree.body[0]
    if not isinstance(cls, ast.ClassDef):
        return out
    for node in cls.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        comments: list[str] = []
        i = node.lineno - 2
        while i >= 0 and lines[i].strip().startswith("#"):
            comments.insert(0, lines[i].strip().lstrip("#").strip())
            i -= 1
        if not comments and i >= 0 and _FIELD_LINE.match(lines[i]):
            # A field right below another one (no blank line) shares that field's comment.
            comments = [GROUPED]
        end = lines[(node.end_lineno or node.lineno) - 1]
        if "  # " in end:
            comments.append(end.split("  # ", 1)[1].strip())
        out[node.target.id] = comments
    for base in model.__mro__[1:]:
        if isinstance(base, type) and issubclass(base, BaseModel) and base is not BaseModel:
            for name, text in field_comments(base).items():
                out.setdefault(name, text)
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, SecretStr):
        return "null"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}" if not value else json.dumps(value)
    return json.dumps(str(value))


def _section_doc(model: type[BaseModel]) -> list[str]:
    doc = inspect.getdoc(model) or ""
    if model.__doc__ is None or doc.startswith(("A base class", "Usage docs")):
        return []
    return [line for line in doc.splitlines() if line.strip()][:3]


def _render_model(model: BaseModel, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    comments = field_comments(type(model))
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        for line in comments.get(name, []):
            if line != GROUPED:
                out.append(f"{pad}# {line}")
        if isinstance(value, BaseModel):
            for line in _section_doc(type(value)):
                out.append(f"{pad}# {line}")
            out.append(f"{pad}{name}:")
            _render_model(value, indent + 1, out)
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(v, BaseModel) for v in value.values())
        ):
            out.append(f"{pad}{name}:")
            for key, sub in value.items():
                out.append(f"{pad}  {key}:")
                _render_model(sub, indent + 2, out)
        elif (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(v, BaseModel) for v in value)
        ):
            out.append(f"{pad}{name}:")
            for item in value:
                out.append(f"{pad}  - {json.dumps(item.model_dump(mode='json'))}")
        else:
            secret = info.annotation is not None and "SecretStr" in str(info.annotation)
            note = "  # secret: set it in .env or the environment" if secret else ""
            out.append(f"{pad}{name}: {_scalar(value)}{note}")


def render_template(settings: Settings | None = None) -> str:
    """Return the documented YAML of ``settings`` (the defaults when None)."""
    settings = settings or Settings.model_construct()
    out: list[str] = [HEADER.rstrip("\n")]
    for name in Settings.model_fields:
        section = getattr(settings, name)
        out.append("")
        for line in _section_doc(type(section)):
            out.append(f"# {line}")
        out.append(f"{name}:")
        _render_model(section, 1, out)
    return "\n".join(out) + "\n"


def undocumented_fields(model: type[BaseModel]) -> list[str]:
    """Return the fields of ``model`` with no comment of their own or of their group."""
    comments = field_comments(model)
    return [name for name in model.model_fields if not comments.get(name)]
