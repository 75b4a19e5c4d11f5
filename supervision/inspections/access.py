"""Who may read inspections and hazards, run inspections, fix and verify hazards (predicates)."""

from __future__ import annotations

from supervision.org.scope import Role, Scope, can_read_resident_data

# Street and district inspectors run inspections and verify fixes under their node.
INSPECTOR_ROLES = frozenset({Role.STREET_INSPECTOR, Role.DISTRICT_INSPECTOR, Role.ADMIN})
# A facility's own safety officer records that a hazard was fixed; inspectors check it.
FIXER_ROLES = frozenset({Role.FACILITY_OFFICER, Role.ADMIN})


def can_read_inspections(scope: Scope, facility_id: str | None = None) -> bool:
    """Inspections and hazards (of `facility_id`, or at all when None); never for operators."""
    return can_read_resident_data(scope, facility_id)


def can_inspect(scope: Scope, facility_id: str | None = None) -> bool:
    """Create inspections, record results and evidence, complete; verify and reopen hazards."""
    return scope.role in INSPECTOR_ROLES and can_read_inspections(scope, facility_id)


def can_fix_hazards(scope: Scope, facility_id: str | None = None) -> bool:
    """Record that a hazard was fixed, with its evidence."""
    return scope.role in FIXER_ROLES and can_read_inspections(scope, facility_id)
