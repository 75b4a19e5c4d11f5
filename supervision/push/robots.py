"""Group robots: WeCom, DingTalk and Feishu webhooks, each in its vendor's message format."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

import httpx

from supervision.push.config import PushGroupConfig
from supervision.push.notice import Language, PushNotice, RenderedNotice, render

# Answers that mean "too many messages"; HTTP 429 counts too.
WECOM_RATE_LIMITED = frozenset({45009})  # "api freq out of limit"
DINGTALK_RATE_LIMITED = frozenset({130101})  # "send too fast, exceed 20 times per minute"
FEISHU_RATE_LIMITED = frozenset({11232})  # custom-bot guide: frequency limit 11232
_MESSAGE_CHARS = 200
_CARD_COLOURS = {"critical": "red", "warning": "orange"}


class PushError(Exception):
    """The robot did not take the message; the text names the vendor's code, never a secret."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        rate_limited: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status
        self.rate_limited = rate_limited


class Robot(Protocol):
    """One group robot; `send` returns only once the vendor accepted the message."""

    @property
    def name(self) -> str: ...

    @property
    def language(self) -> Language: ...

    def send(self, notice: PushNotice) -> None: ...

    def send_rendered(self, rendered: RenderedNotice, severity: str) -> None: ...

    def close(self) -> None: ...


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: HMAC-SHA256 keyed with the secret over "timestamp\\nsecret", base64,
    URL-encoded (the value goes into the URL as is)."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu 签名校验: "timestamp\\nsecret" is the HMAC-SHA256 key over an empty message,
    base64 (the value goes into the JSON body)."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class _HttpRobot:
    """POSTs one JSON message per notice and checks the vendor's answer."""

    kind: ClassVar[str]
    code_field: ClassVar[str]
    rate_limited_codes: ClassVar[frozenset[int]]

    def __init__(self, config: PushGroupConfig, now_s: Callable[[], float] = time.time) -> None:
        if config.kind != self.kind:
            raise ValueError(f"kind: {type(self).__name__} needs {self.kind}, got {config.kind}")
        self.config = config
        self._now_s = now_s
        self._client = httpx.Client(timeout=config.timeout_s, follow_redirects=False)
        self._hidden = _hidden_parts(config)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def language(self) -> Language:
        return self.config.language

    def send(self, notice: PushNotice) -> None:
        self.send_rendered(render(notice, self.config.language), notice.severity)

    def send_rendered(self, rendered: RenderedNotice, severity: str) -> None:
        """Send a message already in the group's language (system notices use this)."""
        url, body = self._request(rendered, severity)
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            response = self._client.post(url, content=content, headers=headers)
        except httpx.HTTPError as error:
            # `from None`: the chained error holds the request, and the request holds the key.
            raise PushError(self._describe(f"{type(error).__name__}: {error}")) from None
        self._check(response)

    def close(self) -> None:
        self._client.close()

    def _request(self, rendered: RenderedNotice, severity: str) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def _check(self, response: httpx.Response) -> None:
        answer = _json_object(response)
        code, message = self._code(answer)
        if response.is_success and code == 0:
            return
        detail = f"HTTP {response.status_code}"
        if code is not None:
            detail += f", {self.code_field} {code}: {message[:_MESSAGE_CHARS]}"
        elif response.is_success:
            detail += f", no {self.code_field} in the answer"
        limited = response.status_code == 429 or code in self.rate_limited_codes
        raise PushError(
            self._describe(detail),
            code=code,
            http_status=response.status_code,
            rate_limited=limited,
        )

    def _code(self, answer: dict[str, Any] | None) -> tuple[int | None, str]:
        if answer is None or not isinstance(answer.get(self.code_field), int):
            return None, ""
        return answer[self.code_field], str(answer.get("errmsg", answer.get("msg", "")))

    def _describe(self, detail: str) -> str:
        text = f"{self.kind} robot {self.name!r}: {detail}"
        for hidden in self._hidden:
            text = text.replace(hidden, "***")
        return text


class WeComRobot(_HttpRobot):
    """企业微信群机器人: msgtype markdown; the key is in the URL, nothing is signed."""

    kind = "wecom"
    code_field = "errcode"
    rate_limited_codes = WECOM_RATE_LIMITED

    def _request(self, rendered: RenderedNotice, severity: str) -> tuple[str, dict[str, Any]]:
        body = {"msgtype": "markdown", "markdown": {"content": rendered.markdown}}
        return self.config.url.get_secret_value(), body


class DingTalkRobot(_HttpRobot):
    """钉钉自定义机器人: an actionCard with one button to the incident; 加签 in the URL."""

    kind = "dingtalk"
    code_field = "errcode"
    rate_limited_codes = DINGTALK_RATE_LIMITED

    def _request(self, rendered: RenderedNotice, severity: str) -> tuple[str, dict[str, Any]]:
        assert self.config.secret is not None  # the config requires it for dingtalk
        timestamp_ms = round(self._now_s() * 1000)
        sign = dingtalk_sign(self.config.secret.get_secret_value(), timestamp_ms)
        url = f"{self.config.url.get_secret_value()}&timestamp={timestamp_ms}&sign={sign}"
        # DingTalk markdown breaks lines on blank lines only.
        text = "\n\n".join([f"### {rendered.title}", *rendered.lines])
        card = {
            "title": rendered.title,
            "text": text,
            "btnOrientation": "0",
            "singleTitle": rendered.link_label,
            "singleURL": rendered.link_url,
        }
        return url, {"msgtype": "actionCard", "actionCard": card}


class FeishuRobot(_HttpRobot):
    """飞书自定义机器人: an interactive card with a button; timestamp and sign in the body."""

    kind = "feishu"
    code_field = "code"
    rate_limited_codes = FEISHU_RATE_LIMITED

    def _request(self, rendered: RenderedNotice, severity: str) -> tuple[str, dict[str, Any]]:
        assert self.config.secret is not None  # the config requires it for feishu
        timestamp_s = int(self._now_s())
        button = {
            "tag": "button",
            "text": {"tag": "plain_text", "content": rendered.link_label},
            "url": rendered.link_url,
            "type": "primary",
        }
        card = {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": rendered.title},
                "template": _CARD_COLOURS.get(severity, "blue"),
            },
            "elements": [
                {"tag": "div", "text": {"tag": "lark_md", "content": "\n".join(rendered.lines)}},
                {"tag": "action", "actions": [button]},
            ],
        }
        body = {
            "timestamp": str(timestamp_s),
            "sign": feishu_sign(self.config.secret.get_secret_value(), timestamp_s),
            "msg_type": "interactive",
            "card": card,
        }
        return self.config.url.get_secret_value(), body

    def _code(self, answer: dict[str, Any] | None) -> tuple[int | None, str]:
        if (
            answer is not None
            and "code" not in answer
            and isinstance(answer.get("StatusCode"), int)
        ):
            return answer["StatusCode"], str(answer.get("StatusMessage", ""))  # older answers
        return super()._code(answer)


_ROBOTS: dict[str, type[_HttpRobot]] = {
    "wecom": WeComRobot,
    "dingtalk": DingTalkRobot,
    "feishu": FeishuRobot,
}


def build_robot(config: PushGroupConfig, now_s: Callable[[], float] = time.time) -> Robot:
    """The robot for a group's `kind`."""
    return _ROBOTS[config.kind](config, now_s)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _hidden_parts(config: PushGroupConfig) -> list[str]:
    """Everything that would let someone post to the group: never in an error's text."""
    url = config.url.get_secret_value()
    parts = urllib.parse.urlsplit(url)
    hidden = [url, *(v for vs in urllib.parse.parse_qs(parts.query).values() for v in vs)]
    if config.kind == "feishu":
        hidden.append(parts.path.rsplit("/", 1)[-1])
    if config.secret is not None:
        hidden.append(config.secret.get_secret_value())
    # Longest first, so that a token inside the URL does not leave the rest of the URL behind.
    return sorted((part for part in hidden if len(part) >= 4), key=len, reverse=True)
