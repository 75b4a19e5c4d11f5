"""A local HTTP stand-in for the WeCom, DingTalk and Feishu group-robot endpoints.

Written from the vendors' documentation, independently of supervision.push (it must not import
its signing): it checks the key/token, the signature and timestamp, the message shape and the
per-minute limit the way the vendors describe, and answers with their error codes:

- WeCom 群机器人配置说明 (developer.work.weixin.qq.com/document/path/91770): POST
  /cgi-bin/webhook/send?key=KEY; 20 messages a minute; markdown.content ≤ 4096 bytes.
  Codes seen from the service: 93000 "invalid webhook url", 45009 "api freq out of limit",
  40008 invalid msgtype, 40058 "markdown.content exceed max length 4096".
- DingTalk 自定义机器人 (open.dingtalk.com/document/robots/customize-robot-security-settings):
  POST /robot/send?access_token=T&timestamp=MS&sign=S, sign = urlEncode(base64(
  HmacSHA256(key=secret, "timestamp\\nsecret"))), timestamp within 1 hour; 20 a minute.
  310000 "sign not match" / "invalid timestamp", 300005 "token is not exist",
  130101 "send too fast, exceed 20 times per minute".
- Feishu 自定义机器人使用指南 (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot):
  POST /open-apis/bot/v2/hook/TOKEN with "timestamp" (s) and "sign" = base64(
  HmacSHA256(key="timestamp\\nsecret", message="")) in the body, within 1 hour; 100 a minute
  and 5 a second (11232); body ≤ 20 KB. 19001 token invalid, 19021 sign match fail,
  9499 "Bad Request".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

VENDORS = ("wecom", "dingtalk", "feishu")
PER_MINUTE = {"wecom": 20, "dingtalk": 20, "feishu": 100}
FEISHU_PER_SECOND = 5
WECOM_MAX_MARKDOWN_BYTES = 4096
FEISHU_MAX_BODY_BYTES = 20 * 1024
HOUR_S = 3600
_FEISHU_PREFIX = "/open-apis/bot/v2/hook/"
_DINGTALK_TYPES = {"text", "link", "markdown", "actionCard", "feedCard"}
_WECOM_TYPES = {"text", "markdown", "image", "news", "file", "voice", "template_card"}


@dataclass(frozen=True)
class Received:
    """One message a vendor accepted."""

    vendor: str
    body: dict[str, Any]
    arrived_at_s: float


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any] | None


@dataclass(frozen=True)
class _Failure:
    vendor: str | None
    status: int
    code: int | None
    old_answer: bool


def _ok(vendor: str) -> _Answer:
    if vendor == "feishu":
        return _Answer(200, {"StatusCode": 0, "StatusMessage": "success", "code": 0, "msg": "ok"})
    return _Answer(200, {"errcode": 0, "errmsg": "ok"})


def _error(vendor: str, code: int, message: str, old_answer: bool = False) -> _Answer:
    if vendor == "feishu" and old_answer:  # Feishu's older answers: StatusCode, StatusMessage
        return _Answer(200, {"Extra": None, "StatusCode": code, "StatusMessage": message})
    if vendor == "feishu":
        return _Answer(200, {"code": code, "msg": message, "data": {}})
    return _Answer(200, {"errcode": code, "errmsg": message})


class RobotReceiver:
    """Start it (or use `with`); point robots at `wecom_url`, `dingtalk_url`, `feishu_url`."""

    def __init__(
        self,
        *,
        wecom_key: str = "wecom-key-0123456789",
        dingtalk_token: str = "dingtalk-token-0123456789",
        dingtalk_secret: str = "SECdingtalk-secret-0123456789",
        feishu_token: str = "feishu-token-0123456789",
        feishu_secret: str = "feishu-secret-0123456789",
        per_minute: dict[str, int] | None = None,
    ) -> None:
        self.wecom_key = wecom_key
        self.dingtalk_token = dingtalk_token
        self.dingtalk_secret = dingtalk_secret
        self.feishu_token = feishu_token
        self.feishu_secret = feishu_secret
        self.per_minute = {**PER_MINUTE, **(per_minute or {})}
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._failures: deque[_Failure] = deque()
        self._sent_at: dict[str, deque[float]] = {vendor: deque() for vendor in VENDORS}
        self.requests_seen = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> RobotReceiver:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.receiver = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="robot-receiver"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> RobotReceiver:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the receiver first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def wecom_url(self) -> str:
        return f"{self.base_url}/cgi-bin/webhook/send?key={self.wecom_key}"

    @property
    def dingtalk_url(self) -> str:
        return f"{self.base_url}/robot/send?access_token={self.dingtalk_token}"

    @property
    def feishu_url(self) -> str:
        return f"{self.base_url}{_FEISHU_PREFIX}{self.feishu_token}"

    # -- what tests ask ---------------------------------------------------------------------

    def messages(self, vendor: str | None = None) -> list[Received]:
        with self._lock:
            return [m for m in self._received if vendor is None or m.vendor == vendor]

    def wait_for(
        self, count: int, timeout_s: float = 2.0, vendor: str | None = None
    ) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while len(found := self.messages(vendor)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} messages within {timeout_s} s")
            time.sleep(0.005)
        return found

    def fail_next(
        self,
        count: int,
        *,
        status: int = 500,
        code: int | None = None,
        vendor: str | None = None,
        old_answer: bool = False,
    ) -> None:
        """Answer the next `count` requests (to `vendor`, or any) with HTTP `status`, or with
        HTTP 200 and the vendor error `code` (`old_answer`: Feishu's older StatusCode form)."""
        failure = _Failure(vendor, status, code, old_answer)
        with self._lock:
            self._failures.extend([failure] * count)

    # -- the endpoints ----------------------------------------------------------------------

    def answer(self, path: str, raw: bytes) -> _Answer:
        url = urllib.parse.urlsplit(path)
        vendor = _vendor_of(url.path)
        if vendor is None:
            return _Answer(404, None)
        with self._lock:
            self.requests_seen += 1
            injected = self._injected(vendor)
        if injected is not None:
            return injected
        body = _json_body(raw)
        query = urllib.parse.parse_qs(url.query)
        if vendor == "wecom":
            refusal = self._check_wecom(query, body)
        elif vendor == "dingtalk":
            refusal = self._check_dingtalk(query, body)
        else:
            refusal = self._check_feishu(url.path, body, len(raw))
        return refusal or self._accept(vendor, body)

    def _injected(self, vendor: str) -> _Answer | None:
        for failure in self._failures:
            if failure.vendor in (None, vendor):
                self._failures.remove(failure)
                if failure.code is None:
                    return _Answer(failure.status, None)
                return _error(vendor, failure.code, "injected failure", failure.old_answer)
        return None

    def _check_wecom(
        self, query: dict[str, list[str]], body: dict[str, Any] | None
    ) -> _Answer | None:
        if query.get("key") != [self.wecom_key]:
            return _error("wecom", 93000, "invalid webhook url, hint: [test]")
        if body is None or body.get("msgtype") not in _WECOM_TYPES:
            return _error("wecom", 40008, "invalid message type")
        if body["msgtype"] == "markdown":
            content = str(body.get("markdown", {}).get("content", ""))
            if len(content.encode("utf-8")) > WECOM_MAX_MARKDOWN_BYTES:
                return _error("wecom", 40058, "markdown.content exceed max length 4096")
        return None

    def _check_dingtalk(
        self, query: dict[str, list[str]], body: dict[str, Any] | None
    ) -> _Answer | None:
        if query.get("access_token") != [self.dingtalk_token]:
            return _error("dingtalk", 300005, "token is not exist")
        timestamp, sign = _one(query, "timestamp"), _one(query, "sign")
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > HOUR_S * 1000:
            return _error("dingtalk", 310000, "invalid timestamp")
        # The doc's reference code: HmacSHA256 keyed with the secret over "timestamp\nsecret".
        secret = self.dingtalk_secret.encode("utf-8")
        digest = hmac.new(secret, f"{timestamp}\n{self.dingtalk_secret}".encode(), hashlib.sha256)
        if not hmac.compare_digest(base64.b64encode(digest.digest()).decode(), sign):
            return _error("dingtalk", 310000, "sign not match")
        if body is None or body.get("msgtype") not in _DINGTALK_TYPES:
            return _Answer(400, None)
        return None

    def _check_feishu(self, path: str, body: dict[str, Any] | None, size: int) -> _Answer | None:
        if path.removeprefix(_FEISHU_PREFIX) != self.feishu_token:
            return _error("feishu", 19001, "param invalid: incoming webhook access token invalid")
        if body is None or size > FEISHU_MAX_BODY_BYTES or "msg_type" not in body:
            return _error("feishu", 9499, "Bad Request")
        timestamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
        # The doc's reference code: "timestamp\nsecret" is the key, the message is empty.
        key = f"{timestamp}\n{self.feishu_secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= HOUR_S
        if not fresh or not hmac.compare_digest(expected, sign):
            return _error(
                "feishu",
                19021,
                "sign match fail or timestamp is not within one hour from current time",
            )
        return None

    def _accept(self, vendor: str, body: dict[str, Any] | None) -> _Answer:
        now = time.time()
        with self._lock:
            sent = self._sent_at[vendor]
            while sent and sent[0] <= now - 60:
                sent.popleft()
            if len(sent) >= self.per_minute[vendor] or _over_per_second(vendor, sent, now):
                return _rate_limited(vendor)
            sent.append(now)
            self._received.append(Received(vendor, body or {}, now))
        return _ok(vendor)


def _over_per_second(vendor: str, sent: deque[float], now: float) -> bool:
    return vendor == "feishu" and sum(1 for t in sent if t > now - 1) >= FEISHU_PER_SECOND


def _rate_limited(vendor: str) -> _Answer:
    if vendor == "wecom":
        return _error(vendor, 45009, "api freq out of limit")
    if vendor == "dingtalk":
        return _error(vendor, 130101, "send too fast, exceed 20 times per minute")
    return _error(vendor, 11232, "frequency limited")


def _vendor_of(path: str) -> str | None:
    if path == "/cgi-bin/webhook/send":
        return "wecom"
    if path == "/robot/send":
        return "dingtalk"
    return "feishu" if path.startswith(_FEISHU_PREFIX) else None


def _one(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name, [])
    return values[0] if len(values) == 1 else ""


def _json_body(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return body if isinstance(body, dict) else None


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        receiver: RobotReceiver = self.server.receiver  # type: ignore[attr-defined]
        answer = receiver.answer(self.path, self.rfile.read(length))
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass
