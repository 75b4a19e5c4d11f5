"""Configuration of the district link: this node as a site or as the centre."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from supervision.config import NodeConfig, require_unique_names

# A NATS subject token and a JetStream domain: no dots, spaces or wildcards.
_TOKEN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"


class ObjectStoreConfig(BaseModel):
    """An S3-compatible object store (SeaweedFS's S3 gateway) for the district's media: a site
    uploads its snapshots and clips, the centre serves them from it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint_url: str = Field(
        pattern=r"^https?://[^/\s?#]+/?$",
        max_length=512,
        description="The S3 endpoint, e.g. http://centre:8333 (https in production).",
    )
    bucket: str = Field(
        default="carewatch", pattern=r"^[a-z0-9][a-z0-9.-]{2,62}$", description="One bucket."
    )
    access_key: str = Field(min_length=1, max_length=200, description="This node's own key.")
    secret_key: SecretStr = Field(max_length=512, description="Its secret.")
    region: str = Field(default="us-east-1", min_length=1, max_length=64, description="Region.")
    timeout_s: float = Field(default=30.0, gt=0, le=600, description="Per request.")


class DistrictLinkConfig(BaseModel):
    """This node in a district of many machines: a site that sends its changes up to the
    centre, or the centre that takes them in, over NATS JetStream (docs/deployment.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["site", "centre"] = Field(
        description="site: analyses cameras and sends its changes up; centre: takes every "
        "site's changes in (no cameras needed)."
    )
    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        min_length=1,
        max_length=512,
        description="A site: its own leaf node (in the building, so a WAN cut never stops a "
        "publish); the centre: the hub.",
    )
    hub_domain: str = Field(
        default="hub", pattern=_TOKEN_PATTERN, description="The hub's JetStream domain."
    )
    sites: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description="The centre: the node ids of the sites whose streams it takes in (each "
        "site's leaf node has the node id as its JetStream domain).",
    )
    user: str | None = Field(default=None, min_length=1, max_length=200, description="Login.")
    password: SecretStr | None = Field(default=None, max_length=512, description="Password.")
    timeout_s: float = Field(
        default=5.0, gt=0, le=120, description="Wait for a connection or an acknowledgement."
    )
    batch: int = Field(default=500, ge=1, le=5000, description="Changes the centre takes at once.")
    object_store: ObjectStoreConfig | None = Field(
        default=None,
        description="Where media goes (a site uploads, the centre reads); None: media stays on "
        "the site's disk.",
    )

    @field_validator("sites")
    @classmethod
    def _site_tokens(cls, sites: list[str]) -> list[str]:
        for index, site in enumerate(sites):
            if not re.match(_TOKEN_PATTERN, site):
                raise ValueError(f"sites[{index}]: {site!r} is not a plain name (A-Z, 0-9, _ -)")
        require_unique_names("sites", sites, key="id")
        return sites


def check_district_node(node: NodeConfig, link: DistrictLinkConfig | None) -> None:
    """In a district, the node id names NATS subjects and a JetStream domain."""
    if link is not None and not re.match(_TOKEN_PATTERN, node.id):
        raise ValueError(
            f"node.id: {node.id!r} cannot name a district node: use A-Z, 0-9, '_' and '-' (no dots)"
        )
