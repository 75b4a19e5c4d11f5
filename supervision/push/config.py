"""Configuration of the group-robot pushes: the top-level `push:` section."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from supervision.config import RetryConfig, require_unique_names

RobotKind = Literal["wecom", "dingtalk", "feishu"]
NodeKind = Literal["facility", "street", "district"]

_NODE_KINDS: dict[str, NodeKind] = {
    "facility": "facility",
    "street": "street",
    "district": "district",
}
_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_NODE = re.compile(r"(facility|street|district):([A-Za-z0-9][A-Za-z0-9_.-]{0,63})")
_BASE_URL = re.compile(r"https?://[^/\s?#]+[^\s?#]*")


@dataclass(frozen=True)
class VendorLimit:
    """How many messages one robot may send; more are refused with the rate-limit code."""

    per_minute: int
    per_second: int | None


# WeCom: "每个机器人发送的消息不能超过20条/分钟" (developer.work.weixin.qq.com/document/path/91770).
# DingTalk: "每个机器人每分钟最多发送20条消息到群里，如果超过20条，会限流10分钟"
#   (open.dingtalk.com/document/orgapp/custom-robots-send-group-messages).
# Feishu: "单租户单机器人 100 次/分钟，5 次/秒"
#   (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot).
VENDOR_LIMITS: dict[str, VendorLimit] = {
    "wecom": VendorLimit(per_minute=20, per_second=None),
    "dingtalk": VendorLimit(per_minute=20, per_second=None),
    "feishu": VendorLimit(per_minute=100, per_second=5),
}

# What each vendor's robot address looks like; the key or token is part of it.
_URL_SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    "wecom": (
        re.compile(r"https?://[^/\s?#]+/cgi-bin/webhook/send\?(?:[^\s#]*&)?key=[^&\s#]+[^\s#]*"),
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    ),
    "dingtalk": (
        re.compile(r"https?://[^/\s?#]+/robot/send\?(?:[^\s#]*&)?access_token=[^&\s#]+[^\s#]*"),
        "https://oapi.dingtalk.com/robot/send?access_token=…",
    ),
    "feishu": (
        re.compile(r"https?://[^/\s?#]+/open-apis/bot/v2/hook/[^/?\s#]+"),
        "https://open.feishu.cn/open-apis/bot/v2/hook/…",
    ),
}


class _Section(BaseModel):
    # Robot URLs carry their key: a validation error must never echo what was given.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class PushGroupConfig(_Section):
    """One group robot: where it is, how it signs, and whose incidents it gets."""

    name: str = Field(pattern=_NAME_PATTERN, description="Stable name; keys delivery records.")
    kind: RobotKind = Field(description="wecom (企业微信), dingtalk (钉钉) or feishu (飞书).")
    url: SecretStr = Field(
        max_length=2048,
        description="The robot's webhook URL; it carries the robot's key, so it is a secret.",
    )
    secret: SecretStr | None = Field(
        default=None,
        max_length=512,
        description="Signing secret: DingTalk 加签 (SEC…) or Feishu 签名校验; none for WeCom.",
        validate_default=True,
    )
    node: str = Field(
        description="Organisation node whose incidents go here: facility:ID, street:ID or "
        "district:ID."
    )
    language: Literal["zh-CN", "en"] = Field(default="zh-CN", description="Message language.")
    picture: Literal["none", "link"] = Field(
        default="none",
        description="none: no picture; link: an expiring link to the snapshot (never the image).",
    )
    rate_per_min: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="Messages per minute at most; None: the vendor's limit (WeCom and DingTalk "
        "20, Feishu 100).",
    )
    timeout_s: float = Field(default=5.0, gt=0, le=60, description="Per request.")

    @field_validator("url")
    @classmethod
    def _robot_url(cls, url: SecretStr, info: ValidationInfo) -> SecretStr:
        kind = info.data.get("kind")
        if kind is None:
            return url
        shape, example = _URL_SHAPES[kind]
        if not shape.fullmatch(url.get_secret_value()):
            raise ValueError(f"expected a {kind} robot address like {example}")
        return url

    @field_validator("secret", mode="after")
    @classmethod
    def _secret_for_kind(cls, secret: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        kind = info.data.get("kind")
        if kind is None:
            return secret
        return _check_secret(kind, secret)

    @field_validator("node")
    @classmethod
    def _node_form(cls, node: str) -> str:
        if not _NODE.fullmatch(node):
            raise ValueError("expected facility:ID, street:ID or district:ID")
        return node

    @field_validator("rate_per_min")
    @classmethod
    def _within_vendor_limit(cls, rate: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("kind")
        if rate is not None and kind is not None and rate > VENDOR_LIMITS[kind].per_minute:
            limit = VENDOR_LIMITS[kind].per_minute
            raise ValueError(f"at most {limit} for {kind} (the vendor's limit), got {rate}")
        return rate

    @property
    def node_kind(self) -> NodeKind:
        return _NODE_KINDS[self.node.partition(":")[0]]

    @property
    def node_id(self) -> str:
        return self.node.partition(":")[2]

    def limit(self) -> VendorLimit:
        """The limit the dispatcher keeps to: the configured rate within the vendor's."""
        vendor = VENDOR_LIMITS[self.kind]
        per_minute = self.rate_per_min or vendor.per_minute
        per_second = None if vendor.per_second is None else min(vendor.per_second, per_minute)
        return VendorLimit(per_minute=per_minute, per_second=per_second)


def _check_secret(kind: str, secret: SecretStr | None) -> SecretStr | None:
    if kind == "wecom":
        if secret is not None:
            raise ValueError("must be absent for wecom (its key is part of url)")
        return None
    if secret is None or not secret.get_secret_value():
        raise ValueError(f"required for {kind}: choose signing in the robot's security settings")
    if kind == "dingtalk" and not secret.get_secret_value().startswith("SEC"):
        raise ValueError("expected the DingTalk 加签 secret, which starts with SEC")
    return secret


class PushConfig(_Section):
    """Which group robots get new incidents, reminders and escalations."""

    groups: list[PushGroupConfig] = Field(
        default_factory=list, max_length=64, description="Group robots; empty: no pushes."
    )
    public_base_url: str | None = Field(
        default=None,
        max_length=2048,
        description="The dashboard's address as the carers' phones reach it (https://…); "
        "required when a group is configured.",
        validate_default=True,
    )
    remind_after_s: float = Field(
        default=120.0,
        ge=0,
        le=86_400,
        description="A reminder is pushed when nobody acknowledged within this time; 0: none.",
    )
    link_ttl_s: float = Field(
        default=3600.0, ge=60, le=7 * 86_400, description="Lifetime of a snapshot link."
    )
    retry: RetryConfig = Field(default_factory=RetryConfig, description="Backoff per group.")
    poll_s: float = Field(
        default=1.0, gt=0, le=60, description="How often an idle dispatcher looks for work."
    )
    system_alert_after_s: float = Field(
        default=30.0,
        ge=0,
        le=86_400,
        description="Database or disk trouble lasting this long is pushed to every group.",
    )

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, url: str | None, info: ValidationInfo) -> str | None:
        if url is None:
            if info.data.get("groups"):
                raise ValueError("required when groups are configured (https://… for phones)")
            return None
        if not _BASE_URL.fullmatch(url):
            raise ValueError("expected http(s)://host[/path], without query or fragment")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _unique_names(self) -> PushConfig:
        require_unique_names("groups", [group.name for group in self.groups])
        return self
