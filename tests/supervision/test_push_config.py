"""The `push:` section: each error names its field and never echoes a robot's key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from supervision.push.config import PushConfig, PushGroupConfig, VendorLimit

WECOM_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-secret-key"
DINGTALK_URL = "https://oapi.dingtalk.com/robot/send?access_token=dingtalk-secret-token"
FEISHU_URL = "https://open.feishu.cn/open-apis/bot/v2/hook/feishu-secret-token"
SECRETS = ["693a91f6-7xxx-secret-key", "dingtalk-secret-token", "feishu-secret-token", "SECsign"]

WECOM = {"name": "night-shift", "kind": "wecom", "url": WECOM_URL, "node": "facility:demo-home"}
DINGTALK = {
    "name": "street-office",
    "kind": "dingtalk",
    "url": DINGTALK_URL,
    "secret": "SECsign-secret",
    "node": "street:s1",
}
FEISHU = {
    "name": "district",
    "kind": "feishu",
    "url": FEISHU_URL,
    "secret": "feishu-sign-secret",
    "node": "district:d1",
    "language": "en",
    "picture": "link",
}
BASE = "https://care.example.cn"


def _push(*groups: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"groups": list(groups), "public_base_url": BASE} | fields


def test_an_empty_section_pushes_nothing() -> None:
    config = PushConfig()
    assert config.groups == [] and config.public_base_url is None
    assert config.remind_after_s == 120 and config.link_ttl_s == 3600


def test_one_group_of_each_kind() -> None:
    config = PushConfig.model_validate(_push(WECOM, DINGTALK, FEISHU, public_base_url=BASE + "/"))
    assert config.public_base_url == BASE
    wecom, dingtalk, feishu = config.groups
    assert (wecom.node_kind, wecom.node_id) == ("facility", "demo-home")
    assert wecom.secret is None and wecom.language == "zh-CN" and wecom.picture == "none"
    assert wecom.limit() == VendorLimit(per_minute=20, per_second=None)
    assert dingtalk.limit() == VendorLimit(per_minute=20, per_second=None)
    assert feishu.limit() == VendorLimit(per_minute=100, per_second=5)
    assert all(secret not in repr(config) for secret in SECRETS)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [(None, VendorLimit(100, 5)), (30, VendorLimit(30, 5)), (3, VendorLimit(3, 3))],
)
def test_a_configured_rate_stays_within_the_vendor_limit(
    rate: int | None, expected: VendorLimit
) -> None:
    assert PushGroupConfig.model_validate(FEISHU | {"rate_per_min": rate}).limit() == expected


def _error(data: dict[str, Any]) -> tuple[str, str, str]:
    with pytest.raises(ValidationError) as caught:
        PushConfig.model_validate(data)
    first = caught.value.errors()[0]
    path = ".".join(str(part) for part in first["loc"])
    return path, first["msg"].removeprefix("Value error, "), str(caught.value)


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (_push(WECOM, public_base_url=None), "public_base_url", "required when groups are"),
        (_push(WECOM, public_base_url="care.example.cn"), "public_base_url", "expected http(s)"),
        (_push(WECOM, public_base_url=BASE + "/?a=1"), "public_base_url", "without query"),
        (_push(WECOM, WECOM), "", "groups[1].name: duplicate name 'night-shift'"),
        (_push(WECOM | {"name": "夜班"}), "groups.0.name", "String should match pattern"),
        (_push(WECOM | {"kind": "slack"}), "groups.0.kind", "Input should be 'wecom'"),
        (_push(WECOM | {"url": DINGTALK_URL}), "groups.0.url", "expected a wecom robot address"),
        (_push(DINGTALK | {"url": WECOM_URL}), "groups.0.url", "expected a dingtalk robot"),
        (_push(FEISHU | {"url": FEISHU_URL + "/x"}), "groups.0.url", "expected a feishu robot"),
        (_push(WECOM | {"secret": "SECsign"}), "groups.0.secret", "must be absent for wecom"),
        (_push(DINGTALK | {"secret": None}), "groups.0.secret", "required for dingtalk"),
        (_push({**FEISHU, "secret": ""}), "groups.0.secret", "required for feishu"),
        (_push(DINGTALK | {"secret": "sign"}), "groups.0.secret", "starts with SEC"),
        (_push(WECOM | {"node": "demo-home"}), "groups.0.node", "expected facility:ID"),
        (_push(WECOM | {"node": "room:101"}), "groups.0.node", "expected facility:ID"),
        (_push(WECOM | {"node": "facility:"}), "groups.0.node", "expected facility:ID"),
        (_push(WECOM | {"language": "fr"}), "groups.0.language", "Input should be 'zh-CN'"),
        (_push(WECOM | {"picture": "inline"}), "groups.0.picture", "Input should be 'none'"),
        (_push(WECOM | {"rate_per_min": 0}), "groups.0.rate_per_min", "greater than or equal"),
        (_push(WECOM | {"rate_per_min": 21}), "groups.0.rate_per_min", "at most 20 for wecom"),
        (_push(WECOM | {"timeout_s": 0}), "groups.0.timeout_s", "greater than 0"),
        (_push(WECOM | {"colour": "red"}), "groups.0.colour", "Extra inputs are not permitted"),
        (_push(remind_after_s=-1), "remind_after_s", "greater than or equal to 0"),
        (_push(link_ttl_s=10), "link_ttl_s", "greater than or equal to 60"),
        (_push(retry={"first_delay_s": 9, "max_delay_s": 2}), "retry", "max_delay_s must not"),
        (_push(poll_s=0), "poll_s", "greater than 0"),
    ],
)
def test_an_error_names_its_field_and_hides_the_key(
    data: dict[str, Any], path: str, message: str
) -> None:
    found_path, found_message, text = _error(data)
    assert (found_path, message in found_message) == (path, True), found_message
    assert all(secret not in text for secret in SECRETS), text


def test_the_docs_example_is_a_valid_section() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "push.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block is not None
    config = PushConfig.model_validate(yaml.safe_load(block.group(1))["push"])
    assert [group.kind for group in config.groups] == ["wecom", "dingtalk", "feishu"]
