"""The per-account back-off on its own clock: when it starts, how it doubles, when it ends."""

from __future__ import annotations

import pytest

from dashboard.config import SignInLimits
from dashboard.throttle import AccountBackoff

LIMITS = SignInLimits(
    failures_per_account=3, backoff_after_failures=3, backoff_first_s=1, backoff_max_s=8
)


@pytest.mark.parametrize(
    ("failures", "locked_for_s"),
    [
        (0, None),  # no wrong password yet
        (2, None),  # below backoff_after_failures
        (3, 1.0),  # the first back-off
        (4, 2.0),
        (5, 4.0),
        (6, 8.0),
        (7, 8.0),  # capped at backoff_max_s
        (40, 8.0),  # and never more, however long the guessing goes on
    ],
)
def test_the_back_off_doubles_up_to_its_cap(failures: int, locked_for_s: float | None) -> None:
    backoff = AccountBackoff(LIMITS)
    for _ in range(failures):
        backoff.failed("li.na", now=100.0)
    until = backoff.admit("li.na", now=100.0)
    assert (None if until is None else until - 100.0) == locked_for_s


def test_an_admitted_try_holds_the_next_ones_until_it_is_answered() -> None:
    backoff = AccountBackoff(LIMITS)
    for _ in range(3):
        backoff.failed("li.na", now=0.0)
    assert backoff.admit("li.na", now=1.5) is None  # the 1 s back-off is over: one try
    assert backoff.admit("li.na", now=1.6) == 2.5  # the others wait while it is checked
    assert backoff.admit("amy", now=1.6) is None  # other accounts are not held


def test_a_right_password_or_quiet_time_ends_it() -> None:
    backoff = AccountBackoff(LIMITS)
    for _ in range(5):
        backoff.failed("li.na", now=0.0)
    assert backoff.locks(now=1.0)[0].until == 4.0
    assert backoff.forget("li.na") and backoff.locks(now=1.0) == []
    for _ in range(5):
        backoff.failed("amy", now=0.0)
    quiet_s = LIMITS.backoff_forget_s + 1
    assert backoff.admit("amy", now=quiet_s) is None
    backoff.failed("amy", now=quiet_s)  # counted afresh: one wrong password, no back-off
    assert backoff.admit("amy", now=quiet_s) is None
