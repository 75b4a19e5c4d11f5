"""Each user chooses the dashboard's language; it is kept with the account."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient


def test_language_is_kept_per_user(client_as: Callable[[str], TestClient]) -> None:
    officer, inspector = client_as("officer-1"), client_as("street-1")
    assert officer.get("/api/auth/me").json()["locale"] is None

    answer = officer.patch("/api/auth/me", json={"locale": "zh-CN"})

    assert answer.status_code == 200 and answer.json()["locale"] == "zh-CN"
    assert officer.get("/api/auth/me").json()["locale"] == "zh-CN"
    assert inspector.get("/api/auth/me").json()["locale"] is None
    assert officer.patch("/api/auth/me", json={"locale": None}).json()["locale"] is None


@pytest.mark.parametrize(
    "body",
    [{}, {"locale": "fr"}, {"locale": "zh-CN", "role": "admin"}, {"locale": 3}],
)
def test_bad_preferences_are_refused(client_as: Callable[[str], TestClient], body: object) -> None:
    client = client_as("officer-1")
    assert client.patch("/api/auth/me", json=body).status_code == 422
    me = client.get("/api/auth/me").json()
    assert (me["role"], me["locale"]) == ("facility_officer", None)


def test_the_alarm_sound_is_kept_with_the_account(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as("officer-1")
    assert client.get("/api/auth/me").json()["alarm_sound"] is True
    answer = client.patch("/api/auth/me", json={"alarm_sound": False}).json()
    assert (answer["alarm_sound"], answer["locale"]) == (False, None)
    client.patch("/api/auth/me", json={"locale": "zh-CN"})  # leaves the sound alone
    assert client.get("/api/auth/me").json()["alarm_sound"] is False
