"""API schemas of inspection checklists."""

from __future__ import annotations

from pydantic import Field

from dashboard.schemas.common import TrimmedSchema
from supervision.checklists import Checklist, ChecklistItem, ChecklistKind


class ChecklistItemOut(TrimmedSchema):
    id: str
    category: str
    text_zh: str
    text_en: str
    reference: str | None

    @classmethod
    def from_item(cls, item: ChecklistItem) -> ChecklistItemOut:
        return cls(
            id=item.id,
            category=item.category,
            text_zh=item.text.zh,
            text_en=item.text.en,
            reference=item.reference,
        )


class ChecklistOut(TrimmedSchema):
    kind: ChecklistKind
    version: str
    title_zh: str
    title_en: str
    categories: dict[str, dict[str, str]] = Field(description="Key -> {zh, en} names.")
    items: list[ChecklistItemOut]

    @classmethod
    def from_checklist(cls, checklist: Checklist) -> ChecklistOut:
        return cls(
            kind=checklist.kind,
            version=checklist.version,
            title_zh=checklist.title.zh,
            title_en=checklist.title.en,
            categories={key: text.model_dump() for key, text in checklist.categories.items()},
            items=[ChecklistItemOut.from_item(item) for item in checklist.items],
        )
