"""A small kustomize in Python, enough for deploy/kubernetes: `resources` (files and folders), `namespace`,
`labels`, `images` and strategic-merge `patches` (with or without a `target`). It renders what
`kubectl kustomize` renders for these files, so the suite can validate the manifests without a Go toolchain."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]
# Kinds that live outside namespaces (the namespace transformer leaves them alone).
_CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume"}


def render(folder: Path) -> list[Resource]:
    """The resources that `kustomize build folder` prints, in the order kustomize reads them."""
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text())
    resources: list[Resource] = []
    for entry in spec.get("resources", []):
        path = (folder / entry).resolve()
        if path.is_dir():
            resources += render(path)
        else:
            resources += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for patch in spec.get("patches", []):
        body = patch["patch"] if "patch" in patch else (folder / patch["path"]).read_text()
        _apply(resources, yaml.safe_load(body), patch.get("target"))
    for label in spec.get("labels", []):
        for resource in resources:
            resource["metadata"].setdefault("labels", {}).update(label["pairs"])
            if label.get("includeSelectors") or label.get("includeTemplates"):
                template = resource.get("spec", {}).get("template")
                if template is not None:
                    template.setdefault("metadata", {}).setdefault("labels", {}).update(label["pairs"])
    if "namespace" in spec:
        for resource in resources:
            if resource["kind"] not in _CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = spec["namespace"]
    for image in spec.get("images", []):
        for container in _containers(resources):
            name, _, _tag = container["image"].partition(":")
            if name == image["name"]:
                container["image"] = f"{image.get('newName', name)}:{image['newTag']}" if "newTag" in image else name
    return resources


def _containers(resources: list[Resource]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for resource in resources:
        pod = resource.get("spec", {}).get("template", {}).get("spec", {})
        found += pod.get("containers", []) + pod.get("initContainers", [])
    return found


def _apply(resources: list[Resource], patch: Resource, target: dict[str, str] | None) -> None:
    matched = [r for r in resources if _selected(r, patch, target)]
    if not matched:
        raise ValueError(f"patch {patch['kind']}/{patch['metadata']['name']} matches no resource")
    for resource in matched:
        builtin = "." not in resource["apiVersion"].split("/")[0] or resource["apiVersion"].startswith("networking.k8s")
        merged = _merge(resource, {k: v for k, v in patch.items() if k not in ("apiVersion", "metadata")}, builtin)
        resource.clear()
        resource.update(merged)


def _selected(resource: Resource, patch: Resource, target: dict[str, str] | None) -> bool:
    if target is None:
        return bool(resource["kind"] == patch["kind"] and resource["metadata"]["name"] == patch["metadata"]["name"])
    if "kind" in target and resource["kind"] != target["kind"]:
        return False
    if "name" in target and not re.fullmatch(target["name"], resource["metadata"]["name"]):
        return False
    labels = resource["metadata"].get("labels", {})
    return all(_label_matches(labels, term.strip()) for term in _terms(target.get("labelSelector", "")))


def _terms(selector: str) -> list[str]:
    """Split a label selector at the commas that are not inside `in (...)`."""
    return [t for t in re.split(r",(?![^(]*\))", selector) if t.strip()]


def _label_matches(labels: dict[str, str], term: str) -> bool:
    if match := re.fullmatch(r"(\S+)\s+in\s+\(([^)]*)\)", term):
        return labels.get(match[1]) in {v.strip() for v in match[2].split(",")}
    key, _, value = term.partition("=")
    return labels.get(key) == value


def _merge(base: Any, patch: Any, builtin: bool) -> Any:
    """Strategic merge: maps merge key by key; on built-in kinds, lists of named items merge by name (containers,
    env, ports); every other list is replaced, as JSON merge patch does for custom resources."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(base)
        for key, value in patch.items():
            merged[key] = _merge(base[key], value, builtin) if key in base else copy.deepcopy(value)
        return merged
    if builtin and isinstance(base, list) and isinstance(patch, list) and all(_named(i) for i in base + patch):
        by_name = {item["name"]: item for item in base}
        result = [_merge(by_name[i["name"]], i, builtin) if i["name"] in by_name else i for i in patch]
        patched = {i["name"] for i in patch}
        return [item for item in base if item["name"] not in patched] + result
    return copy.deepcopy(patch)


def _named(item: Any) -> bool:
    return isinstance(item, dict) and "name" in item
