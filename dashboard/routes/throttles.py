"""Sign-in locks for administrators: which addresses and accounts are held back, and unlock."""

from __future__ import annotations

from fastapi import APIRouter

from dashboard.auth import PrincipalDep, SessionsDep, audit, require_permission
from dashboard.deps import ThrottleDep
from dashboard.schemas.throttles import ThrottleOut, UnlockIn
from supervision.org.scope import Permission

router = APIRouter(prefix="/api/auth/throttles", tags=["auth"])


@router.get("", response_model=list[ThrottleOut])
def list_throttles(principal: PrincipalDep, throttle: ThrottleDep) -> list[ThrottleOut]:
    """The locks in force, the soonest to end first (403 unless the user manages accounts)."""
    require_permission(principal, Permission.MANAGE_ORG)
    return [ThrottleOut.from_lock(lock) for lock in throttle.locks()]


@router.post("/unlock", response_model=list[ThrottleOut])
def unlock(
    body: UnlockIn, principal: PrincipalDep, sessions: SessionsDep, throttle: ThrottleDep
) -> list[ThrottleOut]:
    """End the locks on an address and/or an account now; audited as `login_unlocked`."""
    require_permission(principal, Permission.MANAGE_ORG)
    cleared = [ThrottleOut.from_lock(lock) for lock in throttle.unlock(body.address, body.username)]
    detail = {"address": body.address, "username": body.username, "locks": len(cleared)}
    audit(sessions, principal.actor, "login_unlocked", "user", None, detail)
    return cleared
