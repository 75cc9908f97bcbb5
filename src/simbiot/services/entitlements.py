"""Plan entitlements in the trader: which running bots may trade, and how much.

:class:`PlanEntitlements` answers the trader's ``Entitlements`` port from the billing
plans (``billing.entitlements.current_plan``). A user's grant is read once and kept for
``ttl_s`` of clock time (never past the subscription's end), so one trading cycle costs
at most one small indexed query per user. :func:`admit` applies a plan to a user's
running bots: the strategy must be allowed, live trading must be in the plan, and only
the first ``max_bots`` bots (by id) trade; a refused bot still has its open positions
managed (exits) but opens nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from simbiot.billing.entitlements import PlanGrant, current_plan
from simbiot.config.sections import BillingSettings
from simbiot.domain.clock import Clock
from simbiot.storage.database import Database

__all__ = ["BotClaim", "PlanEntitlements", "Refusal", "admit", "position_slots"]

# Entitlements are re-read this often (clock seconds) unless the grant ends sooner.
DEFAULT_TTL_S = 60.0


@dataclass(frozen=True, slots=True)
class BotClaim:
    """What a running bot asks of its owner's plan."""

    bot_id: int
    user_id: int
    strategy: str
    paper: bool


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a running bot may not open positions under its owner's plan."""

    bot_id: int
    reason: str


def position_slots(grant: PlanGrant, wanted: int) -> int:
    """A bot's position slots capped by the plan's ``max_symbols``."""
    return max(0, min(wanted, grant.entitlements.max_symbols))


def admit(grant: PlanGrant, claims: Iterable[BotClaim]) -> dict[int, Refusal]:
    """Return the refused bots of one user under ``grant`` (absent: the bot may trade)."""
    ent = grant.entitlements
    refused: dict[int, Refusal] = {}
    admitted = 0
    for claim in sorted(claims, key=lambda c: c.bot_id):
        if not ent.allows_strategy(claim.strategy):
            refused[claim.bot_id] = Refusal(claim.bot_id, f"strategy not in plan {grant.plan}")
        elif not claim.paper and not ent.live_trading:
            refused[claim.bot_id] = Refusal(claim.bot_id, f"no live trading in plan {grant.plan}")
        elif admitted >= ent.max_bots:
            refused[claim.bot_id] = Refusal(
                claim.bot_id, f"plan {grant.plan} allows {ent.max_bots} bots"
            )
        else:
            admitted += 1
    return refused


class PlanEntitlements:
    """The trader's ``Entitlements`` port over the billing plans, cached per user."""

    def __init__(
        self,
        database: Database,
        settings: BillingSettings,
        clock: Clock,
        *,
        ttl_s: float = DEFAULT_TTL_S,
    ) -> None:
        self._db = database
        self._settings = settings
        self._clock = clock
        self._ttl_ms = int(ttl_s * 1000)
        self._grants: dict[int, tuple[int, PlanGrant]] = {}

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.now_ms() / 1000, tz=UTC)

    def _fresh(self, user_id: int, now_ms: int) -> PlanGrant | None:
        cached = self._grants.get(user_id)
        if cached is None or cached[0] <= now_ms:
            return None
        return cached[1]

    async def refresh(self, user_ids: Iterable[int]) -> dict[int, PlanGrant]:
        """Return the grant of every user, reading the stale ones in one transaction."""
        now_ms = self._clock.now_ms()
        out: dict[int, PlanGrant] = {}
        stale: list[int] = []
        for uid in dict.fromkeys(user_ids):
            grant = self._fresh(uid, now_ms)
            if grant is None:
                stale.append(uid)
            else:
                out[uid] = grant
        if stale:
            now = self._now()
            async with self._db.transaction() as session:
                for uid in stale:
                    grant = await current_plan(
                        session, user_id=uid, settings=self._settings, now=now
                    )
                    out[uid] = grant
                    expires = now_ms + self._ttl_ms
                    if grant.valid_until is not None:
                        expires = min(expires, int(grant.valid_until.timestamp() * 1000))
                    self._grants[uid] = (expires, grant)
        # Users gone from the running set are forgotten.
        for uid in [u for u in self._grants if u not in out]:
            del self._grants[uid]
        return out

    async def grant(self, user_id: int) -> PlanGrant:
        """Return the user's current grant (cached)."""
        grant = self._fresh(user_id, self._clock.now_ms())
        if grant is not None:
            return grant
        now_ms = self._clock.now_ms()
        async with self._db.transaction() as session:
            grant = await current_plan(
                session, user_id=user_id, settings=self._settings, now=self._now()
            )
        self._grants[user_id] = (now_ms + self._ttl_ms, grant)
        return grant

    async def may_trade(self, user_id: int, *, paper: bool) -> bool:
        """Whether the user's plan lets a bot open positions: any bot at all, and live
        trading for a live account."""
        ent = (await self.grant(user_id)).entitlements
        if ent.max_bots <= 0:
            return False
        return paper or ent.live_trading
