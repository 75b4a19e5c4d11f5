"""Names on the broker: subjects, streams and the message ids the broker dedupes by."""

from __future__ import annotations

UP_PREFIX = "carewatch.up"
BEAT_PREFIX = "carewatch.beat"
CENTRE_STREAM = "DISTRICT"
CENTRE_CONSUMER = "centre-ingest"
MSG_ID_HEADER = "Nats-Msg-Id"


def up_subject(node_id: str) -> str:
    """Where a site publishes its changes (its own stream captures them)."""
    return f"{UP_PREFIX}.{node_id}.change"


def site_stream(node_id: str) -> str:
    return f"SITE_{node_id}"


def beat_subject(node_id: str) -> str:
    return f"{BEAT_PREFIX}.{node_id}"


def node_of(subject: str) -> str:
    """The node id in an up or beat subject."""
    return subject.split(".")[2]


def message_id(node_id: str, revision: int) -> str:
    """Globally unique: a site's revisions are unique in its own database."""
    return f"{node_id}:{revision}"


DOWN_PREFIX = "carewatch.down"
DOWN_STREAM = "DOWN"  # the hub's: steps taken at the centre, each for the site that owns it
FROM_CENTRE_STREAM = "FROM_CENTRE"  # a site's: sources its own part of DOWN
SITE_CONSUMER = "site-intake"


def down_subject(node_id: str) -> str:
    """Where the centre publishes a step on an event of `node_id`."""
    return f"{DOWN_PREFIX}.{node_id}.change"
