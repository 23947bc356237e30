"""The web login's rate limit: failed attempts per user name and per address, shared by every node.

An attempt is counted *before* its password is checked (a reservation) and the count then
decides: so a burst of parallel guesses is bounded too, not only a sequence. A successful
login and a refused attempt give their reservation back; a failed one keeps it for the
window. Two stores: the database (the default: nothing else to run) and Redis (sorted sets,
for sites that already have one). Per-process memory is not offered: with several workers or
nodes it multiplies the limit.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select

from app.engine import clock
from app.models import LoginAttempt
from app.services.unit_of_work import unit_of_work

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'5 per minute', '20 per 10 minutes', '100/hour'."""
        match = _RATE.match(text or "")
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"not a rate like '5 per minute': {text!r}")
        count, many, unit = match.groups()
        return cls(int(count), int(many or 1) * _UNITS[unit.lower()])


@dataclass
class Reservation:
    allowed: bool
    retry_after: int = 0
    # key -> the id this attempt was counted under (to give it back)
    held: dict[str, str] = field(default_factory=dict)


def keys_for(username: str, address: str | None) -> tuple[str, str]:
    """The two counters one login attempt goes to."""
    name = (username or "").strip().lower()[:100]
    return f"user:{name}", f"addr:{address or '-'}"


class DatabaseThrottle:
    """Counters as rows of `login_attempts`: every node and worker counts in one place."""

    def __init__(self, rates: dict[str, Rate]):
        self.rates = rates  # key prefix ("user", "addr") -> rate

    def _rate(self, key: str) -> Rate:
        return self.rates[key.split(":", 1)[0]]

    def reserve(self, keys) -> Reservation:
        now = clock.now()
        longest = max(rate.seconds for rate in self.rates.values())
        held = {}
        with unit_of_work() as session:
            session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(seconds=longest)))
            for key in keys:
                row = LoginAttempt(id=uuid.uuid4(), key=key, at=now)
                session.add(row)
                held[key] = str(row.id)
        # Counted after the commit: every attempt committed by then, ours included, is seen.
        with unit_of_work() as session:
            rows = session.execute(
                select(LoginAttempt.key, LoginAttempt.at).where(LoginAttempt.key.in_(list(keys)))
            ).all()
        retry = 0
        for key in keys:
            rate = self._rate(key)
            since = now - timedelta(seconds=rate.seconds)
            times = sorted(at for k, at in rows if k == key and at > since)
            if len(times) > rate.count:
                oldest = times[len(times) - rate.count - 1]
                retry = max(retry, 1, math.ceil((oldest - since).total_seconds()))
        return Reservation(allowed=retry == 0, retry_after=retry, held=held)

    def release(self, reservation: Reservation) -> None:
        if not reservation.held:
            return
        ids = [uuid.UUID(value) for value in reservation.held.values()]
        with unit_of_work() as session:
            session.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(ids)))
        reservation.held = {}


class RedisThrottle:
    """Counters as Redis sorted sets (member: the attempt, score: its time)."""

    def __init__(self, url: str, rates: dict[str, Rate], prefix: str = "zorgpad:login:"):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.rates = rates
        self.prefix = prefix

    def reserve(self, keys) -> Reservation:
        now = clock.now().timestamp()
        member = uuid.uuid4().hex
        pipe = self.client.pipeline(transaction=True)
        for key in keys:
            rate = self.rates[key.split(":", 1)[0]]
            name = self.prefix + key
            pipe.zremrangebyscore(name, "-inf", now - rate.seconds)
            pipe.zadd(name, {member: now})
            pipe.zrange(name, 0, -1, withscores=True)
            pipe.expire(name, rate.seconds + 1)
        results = pipe.execute()
        retry = 0
        for index, key in enumerate(keys):
            rate = self.rates[key.split(":", 1)[0]]
            scores = sorted(score for _, score in results[index * 4 + 2])
            if len(scores) > rate.count:
                oldest = scores[len(scores) - rate.count - 1]
                retry = max(retry, 1, math.ceil(oldest + rate.seconds - now))
        return Reservation(allowed=retry == 0, retry_after=retry, held={key: member for key in keys})

    def release(self, reservation: Reservation) -> None:
        if not reservation.held:
            return
        pipe = self.client.pipeline(transaction=True)
        for key, member in reservation.held.items():
            pipe.zrem(self.prefix + key, member)
        pipe.execute()
        reservation.held = {}


def throttle_for(storage: str, per_user: str, per_address: str, *, redis_prefix: str = "zorgpad:login:"):
    """The configured store: `database`, or a Redis URL (redis://, rediss://, unix://)."""
    rates = {"user": Rate.parse(per_user), "addr": Rate.parse(per_address)}
    storage = (storage or "database").strip()
    if storage == "database":
        return DatabaseThrottle(rates)
    if storage.split("://", 1)[0] in ("redis", "rediss", "unix"):
        return RedisThrottle(storage, rates, prefix=redis_prefix)
    raise ValueError(
        f"ZORGPAD_RATELIMIT_STORAGE {storage!r}: use 'database' or a Redis URL such as redis://127.0.0.1:6379/0"
    )
