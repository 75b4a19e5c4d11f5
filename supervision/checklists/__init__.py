"""Inspection checklists: YAML files (defaults shipped here) validated into typed records."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CHECKLIST_DIR = Path(__file__).resolve().parent
ITEM_ID = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


class ChecklistKind(StrEnum):
    FIRE_SAFETY = "fire_safety"
    SERVICE_QUALITY = "service_quality"


class ChecklistError(ValueError):
    """A checklist file that cannot be read or is not valid; the message names file and field."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Text(_Record):
    """The same words in Simplified Chinese and in English."""

    zh: str = Field(min_length=1, max_length=500, description="zh-CN text.")
    en: str = Field(min_length=1, max_length=500, description="English text.")


class ChecklistItem(_Record):
    id: str = Field(pattern=ITEM_ID, description="Stable id; results and hazards refer to it.")
    category: str = Field(pattern=ITEM_ID, description="Key of one of the file's categories.")
    text: Text = Field(description="What the inspector checks.")
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="Regulation (and clause where certain) the item comes from.",
    )


class Checklist(_Record):
    kind: ChecklistKind
    version: str = Field(min_length=1, max_length=64, description="Recorded on each inspection.")
    title: Text
    categories: dict[str, Text] = Field(min_length=1, description="Category key -> its name.")
    items: tuple[ChecklistItem, ...] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _ids_unique_and_categories_known(self) -> Checklist:
        _check_unique_ids(self.items)
        _check_categories(self.items, self.categories)
        return self

    def item(self, item_id: str) -> ChecklistItem | None:
        return next((item for item in self.items if item.id == item_id), None)


def default_checklist_path(kind: ChecklistKind) -> Path:
    return CHECKLIST_DIR / f"{kind}.yaml"


def load_checklist(path: Path, kind: ChecklistKind | None = None) -> Checklist:
    """Read and validate one file; with `kind`, the file must be a checklist of that kind."""
    data = _read_yaml(path)
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as error:
        raise ChecklistError(f"{path}: {_describe(error)}") from None
    if kind is not None and checklist.kind is not kind:
        raise ChecklistError(f"{path}: kind: expected {kind}, got {checklist.kind}")
    return checklist


def load_checklists(
    overrides: Mapping[ChecklistKind, Path] | None = None,
) -> dict[ChecklistKind, Checklist]:
    """Every kind's checklist: the file in `overrides` where given, else the shipped default."""
    chosen = dict(overrides or {})
    return {
        kind: load_checklist(chosen.get(kind, default_checklist_path(kind)), kind)
        for kind in ChecklistKind
    }


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ChecklistError(f"{path}: cannot read ({error.strerror or error})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ChecklistError(f"{path}: not valid YAML ({error})") from None


def _describe(error: ValidationError) -> str:
    problems = []
    for detail in error.errors():
        message = detail["msg"].removeprefix("Value error, ")
        where = ".".join(str(part) for part in detail["loc"])
        if where:
            message = f"{where}: {message}"
        elif detail["type"] != "value_error":  # our own checks name their field already
            message = f"(top level): {message}"
        problems.append(message)
    return "; ".join(problems)


def _check_unique_ids(items: tuple[ChecklistItem, ...]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise ValueError(f"items.{index}.id: {item.id!r} appears twice")
        seen.add(item.id)


def _check_categories(items: tuple[ChecklistItem, ...], categories: Mapping[str, Text]) -> None:
    for index, item in enumerate(items):
        if item.category not in categories:
            known = ", ".join(sorted(categories))
            raise ValueError(
                f"items.{index}.category: {item.category!r} is not a category ({known})"
            )
