"""Sign-in throttling: per address first (moving windows of `limits`), then per-account back-off."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from enum import StrEnum

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from dashboard.config import SignInLimits

# Tracked keys are pruned once there are this many (the limiter's own entries expire by
# themselves); an attacker's spray of names costs memory for one window at most.
PRUNE_AT = 1000


class LockKind(StrEnum):
    ADDRESS_ACCOUNT = "address_account"  # one account from one address
    ADDRESS = "address"  # one address, whatever accounts it tries
    ACCOUNT = "account"  # one account, from any address (the back-off)


@dataclass(frozen=True, slots=True)
class Lock:
    """A lock in force: who it holds back, until when (epoch s), how many it refused."""

    kind: LockKind
    address: str | None
    username: str | None
    until: float
    refused: int = 0


@dataclass(frozen=True, slots=True)
class Refusal:
    """An attempt answered 429; `first` is the lock's first refusal (audited once per lock)."""

    lock: Lock
    retry_after_s: int
    first: bool


@dataclass(slots=True)
class _Account:
    failures: int = 0
    last_failure_at: float = 0.0
    locked_until: float = 0.0


class AccountBackoff:
    """After `backoff_after_failures` wrong passwords, one attempt per delay, which doubles
    with each further wrong password up to `backoff_max_s`; a right password ends it.

    Times (`now`, the ends it returns) are on the caller's clock, a monotonic one in use.
    """

    def __init__(self, limits: SignInLimits) -> None:
        self._limits = limits
        self._accounts: dict[str, _Account] = {}
        self._mutex = threading.Lock()

    def admit(self, username: str, now: float) -> float | None:
        """None to go ahead, else the time (epoch s) the account's back-off ends."""
        with self._mutex:
            state = self._current(username, now)
            if state is None:
                return None
            if state.locked_until > now:
                return state.locked_until
            if state.failures >= self._limits.backoff_after_failures:
                # Held before the password is checked: parallel guesses get one try per delay.
                state.locked_until = now + self._delay_s(state.failures)
            return None

    def failed(self, username: str, now: float) -> None:
        with self._mutex:
            state = self._current(username, now) or self._accounts.setdefault(username, _Account())
            state.failures += 1
            state.last_failure_at = now
            if state.failures >= self._limits.backoff_after_failures:
                state.locked_until = max(state.locked_until, now + self._delay_s(state.failures))
            if len(self._accounts) > PRUNE_AT:
                self._prune(now)

    def forget(self, username: str) -> bool:
        """End the account's back-off and its count (a right password, an admin's unlock)."""
        with self._mutex:
            return self._accounts.pop(username, None) is not None

    def locks(self, now: float) -> list[Lock]:
        with self._mutex:
            self._prune(now)
            return [
                Lock(LockKind.ACCOUNT, None, name, state.locked_until)
                for name, state in self._accounts.items()
                if state.locked_until > now
            ]

    def _delay_s(self, failures: int) -> float:
        doublings = min(failures - self._limits.backoff_after_failures, 32)
        return min(self._limits.backoff_first_s * 2**doublings, self._limits.backoff_max_s)

    def _current(self, username: str, now: float) -> _Account | None:
        state = self._accounts.get(username)
        if state is not None and self._forgotten(state, now):
            del self._accounts[username]
            return None
        return state

    def _forgotten(self, state: _Account, now: float) -> bool:
        quiet_s = now - state.last_failure_at
        return state.locked_until <= now and quiet_s > self._limits.backoff_forget_s

    def _prune(self, now: float) -> None:
        for name in [n for n, s in self._accounts.items() if self._forgotten(s, now)]:
            del self._accounts[name]


class SignInThrottle:
    """Decides whether a sign-in attempt may check its password, and remembers the outcome.

    The decision reads only the address and the name as typed, never the database, so an
    unknown name is throttled exactly like a known one and a refusal takes no hash for either.
    Each admitted attempt ends in `failed`, `succeeded` or `abandoned` (no answer: database).
    """

    def __init__(self, limits: SignInLimits | None = None) -> None:
        self.limits = limits or SignInLimits()
        window_s = self.limits.window_s
        self._pair_item = RateLimitItemPerSecond(self.limits.failures_per_account, window_s)
        self._address_item = RateLimitItemPerSecond(self.limits.failures_per_address, window_s)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._accounts = AccountBackoff(self.limits)
        # Attempts admitted and not yet answered: parallel guesses cannot all slip past.
        self._in_flight: Counter[tuple[str, str]] = Counter()
        # Keys the limiter holds (it cannot list them) -> when last used, for listing locks.
        self._pairs: dict[tuple[str, str], float] = {}
        self._addresses: dict[str, float] = {}
        # (kind, address, username) -> the lock last refused under it, with its count.
        self._refused: dict[tuple[LockKind, str | None, str | None], Lock] = {}
        self._mutex = threading.RLock()

    def admit(self, address: str, username: str) -> Refusal | None:
        """None: check the password (and report how it went); else why and how long to wait."""
        now = time.time()
        pair = (address, username)
        with self._mutex:
            if not self._limiter.test(self._address_item, "address", address):
                return self._refuse(LockKind.ADDRESS, address, None, now)
            left = self._limiter.get_window_stats(self._pair_item, "pair", *pair).remaining
            if left <= 0:
                return self._refuse(LockKind.ADDRESS_ACCOUNT, address, username, now)
            if left <= self._in_flight[pair]:
                # Every try left is being checked now: ask again in a second (not a lock).
                return Refusal(Lock(LockKind.ADDRESS_ACCOUNT, address, username, now + 1), 1, False)
            # The back-off runs on the monotonic clock: a clock step cannot stretch its cap.
            mono = time.monotonic()
            account_until = self._accounts.admit(username, mono)
            if account_until is not None:
                lock = Lock(LockKind.ACCOUNT, None, username, now + account_until - mono)
                return self._refused_as(lock, now)
            self._in_flight[pair] += 1
            self._pairs[pair] = now
        return None

    def failed(self, address: str, username: str) -> None:
        """A wrong password (or an unknown name, or a disabled account)."""
        now = time.time()
        with self._mutex:
            self._settle(address, username)
            self._limiter.hit(self._pair_item, "pair", address, username)
            self._limiter.hit(self._address_item, "address", address)
            self._accounts.failed(username, time.monotonic())
            self._addresses[address] = now
            if len(self._pairs) + len(self._addresses) > PRUNE_AT:
                self._prune(now)

    def succeeded(self, address: str, username: str) -> None:
        """A right password: its address's count for the account and the back-off end."""
        with self._mutex:
            self._settle(address, username)
            self._limiter.clear(self._pair_item, "pair", address, username)
            self._accounts.forget(username)

    def abandoned(self, address: str, username: str) -> None:
        """No answer (the database failed): the attempt counts neither way."""
        with self._mutex:
            self._settle(address, username)

    def locks(self) -> list[Lock]:
        """Every lock in force now, the soonest to end first."""
        now = time.time()
        with self._mutex:
            self._prune(now)
            pairs = [
                self._held(LockKind.ADDRESS_ACCOUNT, address, name) for address, name in self._pairs
            ]
            addresses = [self._held(LockKind.ADDRESS, address, None) for address in self._addresses]
        found = [lock for lock in (*pairs, *addresses) if lock is not None]
        mono = time.monotonic()
        accounts = [
            self._with_count(replace(lock, until=now + lock.until - mono))
            for lock in self._accounts.locks(mono)
        ]
        return sorted([*found, *accounts], key=lambda lock: lock.until)

    def unlock(self, address: str | None = None, username: str | None = None) -> list[Lock]:
        """End the locks on `address` (all its accounts) and on `username` (from anywhere)."""

        def matches(lock_address: str | None, lock_username: str | None) -> bool:
            by_address = address is not None and lock_address == address
            return by_address or (username is not None and lock_username == username)

        cleared = [lock for lock in self.locks() if matches(lock.address, lock.username)]
        with self._mutex:
            for pair in [pair for pair in self._pairs if matches(*pair)]:
                self._limiter.clear(self._pair_item, "pair", *pair)
                del self._pairs[pair]
            if address is not None and self._addresses.pop(address, None) is not None:
                self._limiter.clear(self._address_item, "address", address)
            for key in [key for key in self._refused if matches(key[1], key[2])]:
                del self._refused[key]
        if username is not None:
            self._accounts.forget(username)
        return cleared

    def _settle(self, address: str, username: str) -> None:
        pair = (address, username)
        self._in_flight[pair] -= 1
        if self._in_flight[pair] <= 0:
            del self._in_flight[pair]

    def _held(self, kind: LockKind, address: str, name: str | None) -> Lock | None:
        item = self._pair_item if kind is LockKind.ADDRESS_ACCOUNT else self._address_item
        keys = ("pair", address, name) if name is not None else ("address", address)
        stats = self._limiter.get_window_stats(item, *keys)
        if stats.remaining > 0:
            return None
        return self._with_count(Lock(kind, address, name, stats.reset_time))

    def _refuse(self, kind: LockKind, address: str, name: str | None, now: float) -> Refusal:
        held = self._held(kind, address, name)
        return self._refused_as(held or Lock(kind, address, name, now + 1), now)

    def _refused_as(self, lock: Lock, now: float) -> Refusal:
        key = (lock.kind, lock.address, lock.username)
        with self._mutex:
            before = self._refused.get(key)
            first = before is None or before.until <= now
            refused = 1 if before is None or first else before.refused + 1
            counted = Lock(lock.kind, lock.address, lock.username, lock.until, refused)
            self._refused[key] = counted
        return Refusal(counted, max(1, math.ceil(lock.until - now)), first)

    def _with_count(self, lock: Lock) -> Lock:
        with self._mutex:
            before = self._refused.get((lock.kind, lock.address, lock.username))
        same = before is not None and abs(before.until - lock.until) < 1
        refused = before.refused if before is not None and same else 0
        return Lock(lock.kind, lock.address, lock.username, lock.until, refused)

    def _prune(self, now: float) -> None:
        horizon = now - self.limits.window_s
        for pair in [p for p, at in self._pairs.items() if at < horizon]:
            del self._pairs[pair]
        for address in [a for a, at in self._addresses.items() if at < horizon]:
            del self._addresses[address]
        for key in [k for k, lock in self._refused.items() if lock.until < now]:
            del self._refused[key]
