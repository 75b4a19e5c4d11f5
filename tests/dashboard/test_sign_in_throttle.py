"""Sign-in resists guessing: per address first, per-account back-off after, audited, unlockable."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dashboard.app import create_app
from dashboard.config import DashboardConfig, SignInLimits
from dashboard.live import StaticLiveFeed
from supervision.events.store import EventStore
from supervision.org.scope import Role
from supervision.org.users import create_user
from tests.dashboard.conftest import PASSWORD

LOGIN = "/api/auth/login"
Timed = tuple[httpx.Response, float]
GUESSER, OFFICE = "10.0.0.66", "10.0.0.7"


@pytest.fixture
def from_address(app: FastAPI, tokens: dict[str, str]) -> Iterator[Callable[[str], TestClient]]:
    """`from_address("10.0.0.7")`: an anonymous client at that address (users exist)."""
    with clients_of(app) as make:
        yield make


@contextmanager
def clients_of(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    opened: list[TestClient] = []

    def make(address: str) -> TestClient:
        client = TestClient(app, client=(address, 40000))
        opened.append(client)
        return client

    try:
        yield make
    finally:
        for client in opened:
            client.close()


def _guess(client: TestClient, username: str = "officer-1", n: int = 0) -> httpx.Response:
    return client.post(LOGIN, json={"username": username, "password": f"guess number {n}"})


def _sign_in(client: TestClient, username: str = "officer-1") -> httpx.Response:
    return client.post(LOGIN, json={"username": username, "password": PASSWORD})


def _app_with(limits: SignInLimits, store: EventStore, media_root: Path) -> FastAPI:
    config = DashboardConfig(sign_in=limits)
    return create_app(config, store, StaticLiveFeed(), media_root)


def test_wrong_passwords_from_one_address_are_refused_by_the_tenth(
    from_address: Callable[[str], TestClient],
) -> None:
    guesser = from_address(GUESSER)
    codes = [_guess(guesser, n=n).status_code for n in range(10)]
    refused = _guess(guesser, n=10)

    assert codes == [401] * 5 + [429] * 5
    assert refused.json() == {"detail": "too many sign-in attempts: try again in 300 s"}
    assert 290 <= int(refused.headers["Retry-After"]) <= 300
    # Even the right password waits at that address; the officer elsewhere signs in.
    assert _sign_in(guesser).status_code == 429
    assert _sign_in(from_address(OFFICE)).status_code == 200


def test_twenty_guesses_in_parallel_get_no_more_tries(
    from_address: Callable[[str], TestClient],
) -> None:
    guesser = from_address(GUESSER)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda n: _guess(guesser, n=n), range(50)))
    codes = [answer.status_code for answer in answers]

    assert (codes.count(401), codes.count(429)) == (5, 45)
    assert _sign_in(from_address(OFFICE)).status_code == 200


def test_one_address_guessing_many_names_is_refused_too(
    store: EventStore, media_root: Path
) -> None:
    app = _app_with(SignInLimits(failures_per_address=6), store, media_root)
    with clients_of(app) as clients:
        guesser = clients(GUESSER)
        codes = [_guess(guesser, username=f"name-{n}").status_code for n in range(7)]
        assert codes == [401] * 6 + [429]
        assert _guess(clients(OFFICE), username="name-0").status_code == 401


def test_unknown_names_are_throttled_like_known_ones_and_refusals_take_no_hash(
    store: EventStore, media_root: Path
) -> None:
    with store.sessions.begin() as session:  # the production hash: its time is what counts
        create_user(session, "amy", PASSWORD, Role.OPERATOR)
    app = _app_with(SignInLimits(failures_per_account=3), store, media_root)
    names = ("amy", "nobody")
    timed: dict[str, list[Timed]] = {name: [] for name in names}
    with clients_of(app) as clients:
        guessers = {name: clients(f"10.1.0.{n}") for n, name in enumerate(names)}
        for n in range(5):  # taken in turns, so that a busy machine slows both alike
            for name in names:
                timed[name].append(_timed(_guess, guessers[name], username=name, n=n))

    codes = {name: [answer.status_code for answer, _ in timed[name]] for name in names}
    assert codes == {name: [401] * 3 + [429] * 2 for name in names}
    # The same words; the wait differs only by when each name's lock began.
    words = {re.sub(r"\d+", "N", timed[name][-1][0].text) for name in names}
    assert words == {'{"detail":"too many sign-in attempts: try again in N s"}'}
    # Both names cost one hash when checked, and none when refused.
    checked_s = {name: statistics.median(s for _, s in timed[name][:3]) for name in names}
    refused_s = [s for name in names for _, s in timed[name][3:]]
    assert max(checked_s.values()) < 2 * min(checked_s.values()), checked_s
    assert max(refused_s) < min(checked_s.values()) / 4, (refused_s, checked_s)


def _timed(call: Callable[..., httpx.Response], *args: Any, **kwargs: Any) -> Timed:
    start = time.perf_counter()
    answer = call(*args, **kwargs)
    return answer, time.perf_counter() - start


def test_each_lock_is_one_audit_row(
    from_address: Callable[[str], TestClient], client_as: Callable[[str], TestClient]
) -> None:
    guesser = from_address(GUESSER)
    for n in range(12):
        _guess(guesser, n=n)

    rows = client_as("admin").get("/api/audit", params={"actor": "officer-1"}).json()
    actions = [row["action"] for row in rows]
    assert actions.count("login_failed") == 5
    (throttled,) = [row for row in rows if row["action"] == "login_throttled"]
    assert throttled["detail"]["ip"] == GUESSER
    assert throttled["detail"]["lock"] == "address_account"
    assert throttled["detail"]["until"].endswith("+00:00")


def test_admin_sees_the_locks_and_unlocks_an_account(
    from_address: Callable[[str], TestClient], client_as: Callable[[str], TestClient]
) -> None:
    guesser = from_address(GUESSER)
    for n in range(8):
        _guess(guesser, n=n)
    admin = client_as("admin")

    (lock,) = admin.get("/api/auth/throttles").json()
    assert {k: lock[k] for k in ("kind", "address", "username", "refused")} == {
        "kind": "address_account",
        "address": GUESSER,
        "username": "officer-1",
        "refused": 3,
    }
    assert 290 <= lock["retry_after_s"] <= 300
    for name in ("officer-1", "operator", "district"):
        assert client_as(name).get("/api/auth/throttles").status_code == 403
        unlock = client_as(name).post("/api/auth/throttles/unlock", json={"address": GUESSER})
        assert unlock.status_code == 403
    assert admin.post("/api/auth/throttles/unlock", json={}).status_code == 422

    cleared = admin.post("/api/auth/throttles/unlock", json={"username": "officer-1"})
    assert [row["address"] for row in cleared.json()] == [GUESSER]
    assert admin.get("/api/auth/throttles").json() == []
    assert _sign_in(guesser).status_code == 200
    (row,) = admin.get("/api/audit", params={"action": "login_unlocked"}).json()
    assert (row["actor"], row["detail"]["username"], row["detail"]["locks"]) == (
        "admin",
        "officer-1",
        1,
    )


def test_the_account_backs_off_for_every_address_doubling_up_to_the_cap(
    store: EventStore, media_root: Path, tokens: dict[str, str]
) -> None:
    limits = SignInLimits(
        failures_per_account=2, backoff_after_failures=2, backoff_first_s=1, backoff_max_s=2
    )
    app = _app_with(limits, store, media_root)
    with clients_of(app) as clients:
        assert [_guess(clients(f"10.2.0.{n}")).status_code for n in (1, 2)] == [401, 401]
        first = _guess(clients("10.2.0.3"))
        assert (first.status_code, first.headers["Retry-After"]) == (429, "1")
        time.sleep(1.1)
        # One try per back-off, however many guess at once.
        guessers = [clients(f"10.2.1.{n}") for n in range(8)]
        with ThreadPoolExecutor(8) as pool:
            codes = sorted(answer.status_code for answer in pool.map(_guess, guessers))
        assert codes == [401] + [429] * 7
        second = _guess(clients("10.2.0.4"))
        assert (second.status_code, second.headers["Retry-After"]) == (429, "2")
        time.sleep(2.1)
        assert _guess(clients("10.2.0.5")).status_code == 401
        capped = _guess(clients("10.2.0.6"))
        assert (capped.status_code, capped.headers["Retry-After"]) == (429, "2")
        (lock,) = [
            lock
            for lock in TestClient(app, headers=_bearer(tokens["admin"]))
            .get("/api/auth/throttles")
            .json()
            if lock["kind"] == "account"
        ]
        assert (lock["username"], lock["address"]) == ("officer-1", None)
        time.sleep(2.1)
        # The officer waits out at most the cap, then signs in, which ends the back-off.
        assert _sign_in(clients("10.2.0.7")).status_code == 200
        assert _guess(clients("10.2.0.8")).status_code == 401


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
