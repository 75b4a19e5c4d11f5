"""The embedded default configuration for `carewatch demo`: one synthetic camera, no download."""

from __future__ import annotations

import logging
from pathlib import Path

from carewatch.config import Settings, parse_settings
from supervision.events.store import EventStore
from supervision.org.scope import Role
from supervision.org.tree import NodeKind, NodeRef
from supervision.org.users import create_user, list_users

log = logging.getLogger(__name__)

# Printed at start: the demo listens on 127.0.0.1 only, and is a demo.
DEMO_PASSWORD = "carewatch-demo"
DEMO_USERS: dict[str, tuple[Role, NodeRef | None, str]] = {
    "officer": (Role.FACILITY_OFFICER, NodeRef(NodeKind.FACILITY, "demo-home"), "Safety officer"),
    "inspector": (Role.STREET_INSPECTOR, NodeRef(NodeKind.STREET, "demo-street"), "Inspector"),
    "operator": (Role.OPERATOR, None, "Operator"),
    "admin": (Role.ADMIN, None, "Administrator"),
}


def demo_settings(data_dir: Path, port: int) -> Settings:
    """A facility with one demo camera in which a person falls, lies and gets up, in a loop."""
    return parse_settings(
        {
            "districts": [
                {
                    "id": "demo-district",
                    "name": "Demo District (演示区)",
                    "streets": [{"id": "demo-street", "name": "Demo Street (演示街道)"}],
                }
            ],
            "facilities": [
                {"id": "demo-home", "name": "Demo Care Home (演示养老院)", "street": "demo-street"}
            ],
            "cameras": [
                {
                    "id": "demo-room",
                    "name": "Demo room",
                    "facility": "demo-home",
                    "source": {"type": "demo"},
                    "fall": {"long_lie_s": 10},
                }
            ],
            "storage": {"data_dir": str(data_dir)},
            "database": {"url": f"sqlite:///{data_dir / 'carewatch.db'}"},
            "dashboard": {"port": port},
        },
        origin="demo config",
    )


def seed_demo_users(store: EventStore) -> None:
    """Add the demo accounts that are missing, and say how to sign in."""
    with store.sessions.begin() as session:
        existing = {user.username for user in list_users(session)}
        for name, (role, node, display_name) in DEMO_USERS.items():
            if name not in existing:
                create_user(session, name, DEMO_PASSWORD, role, node, display_name=display_name)
    names = ", ".join(DEMO_USERS)
    log.warning("demo sign-in: %s with password %r", names, DEMO_PASSWORD)
