"""JSON Schema of every event's data, and the rule that tells an additive change from a breaking one.

Compatible within a data version: every old property stays with the same schema, and no new property
becomes required. Anything else needs a new `dataversion`, read side by side with the old one.
"""

from __future__ import annotations

import json
from typing import Any

from courtlink_shared.events.registry import EVENT_TYPES


def event_schemas() -> dict[str, dict[str, Any]]:
    """`{"<type>.v<dataversion>": JSON Schema}` for every registered event."""
    return {
        f"{event_type}.v{version}": model.model_json_schema(mode="serialization")
        for (event_type, version), model in sorted(EVENT_TYPES.items())
    }


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    """Inline `$ref`s so that two schemas compare by meaning, not by definition names."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].split("/")[-1]
            return _resolve(root.get("$defs", {})[name], root)
        return {k: _resolve(v, root) for k, v in schema.items() if k not in ("title", "description", "$defs")}
    if isinstance(schema, list):
        return [_resolve(item, root) for item in schema]
    return schema


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """What in `new` breaks readers or writers of `old`; empty when the change is additive."""
    problems: list[str] = []
    old_r, new_r = _resolve(old, old), _resolve(new, new)
    _compare(old_r, new_r, path or "data", problems)
    return problems


def _compare(old: dict[str, Any], new: dict[str, Any], path: str, problems: list[str]) -> None:
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    for name, old_schema in old_props.items():
        if name not in new_props:
            problems.append(f"{path}.{name}: removed")
            continue
        new_schema = new_props[name]
        if "properties" in old_schema and "properties" in new_schema:
            _compare(old_schema, new_schema, f"{path}.{name}", problems)
        elif _canonical(old_schema) != _canonical(new_schema):
            problems.append(f"{path}.{name}: schema changed")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    for name in sorted(added_required):
        problems.append(f"{path}.{name}: newly required")


def _canonical(schema: Any) -> str:
    if isinstance(schema, dict):
        schema = {k: v for k, v in schema.items() if k not in ("default",)}
    return json.dumps(schema, sort_keys=True, ensure_ascii=False)
