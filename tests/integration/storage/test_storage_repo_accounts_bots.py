"""Contract: exchange accounts, strategies and bots, scoped by owner, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.domain.errors import Conflict, DecryptionError, NotFound
from simbiot.security.secrets import CredentialCipher, ExchangeCredentials
from simbiot.storage.repositories import accounts, bots, strategies, users
from simbiot.storage.tables import BotRow, ExchangeAccountRow, StrategyRow

CREDS = ExchangeCredentials(api_key="mx0vglABCDEFGH1234", secret="s3cr3t-value", password=None)


async def _two_users(session: AsyncSession) -> tuple[int, int]:
    alice = await users.create(session, email="alice@x.io", password_hash="h")
    bob = await users.create(session, email="bob@x.io", password_hash="h")
    return alice.id, bob.id


async def test_account_round_trip_keeps_only_ciphertext(
    session: AsyncSession, cipher: CredentialCipher
) -> None:
    alice, _ = await _two_users(session)
    row = await accounts.add(
        session, cipher, user_id=alice, exchange="mexc", label="main", credentials=CREDS
    )
    await session.commit()

    assert row.api_key_last4 == "1234"
    assert row.key_id == "k1"
    assert len(row.nonce) == 12
    assert CREDS.secret.encode() not in row.ciphertext
    assert CREDS.api_key.encode() not in row.ciphertext
    opened = await accounts.open_credentials(session, cipher, user_id=alice, account_id=row.id)
    assert opened == CREDS
    assert [a.id for a in await accounts.list_for_user(session, user_id=alice)] == [row.id]


async def test_account_label_unique_per_user_and_exchange(
    session: AsyncSession, cipher: CredentialCipher
) -> None:
    alice, bob = await _two_users(session)
    await accounts.add(
        session, cipher, user_id=alice, exchange="mexc", label="main", credentials=CREDS
    )
    with pytest.raises(Conflict):
        await accounts.add(
            session, cipher, user_id=alice, exchange="mexc", label="main", credentials=CREDS
        )
    # Same label on another exchange or for another user is fine.
    await accounts.add(
        session, cipher, user_id=alice, exchange="binance", label="main", credentials=CREDS
    )
    await accounts.add(
        session, cipher, user_id=bob, exchange="mexc", label="main", credentials=CREDS
    )
    await session.commit()
    count = await session.scalar(select(func.count()).select_from(ExchangeAccountRow))
    assert count == 3


async def test_other_users_account_is_not_found_and_untouched(
    session: AsyncSession, cipher: CredentialCipher
) -> None:
    alice, bob = await _two_users(session)
    row = await accounts.add(
        session, cipher, user_id=alice, exchange="mexc", label="main", credentials=CREDS
    )
    await session.commit()

    with pytest.raises(NotFound):
        await accounts.get(session, user_id=bob, account_id=row.id)
    with pytest.raises(NotFound):
        await accounts.open_credentials(session, cipher, user_id=bob, account_id=row.id)
    with pytest.raises(NotFound):
        await accounts.delete(session, user_id=bob, account_id=row.id)
    await session.commit()
    assert await accounts.list_for_user(session, user_id=bob) == []
    assert len(await accounts.list_for_user(session, user_id=alice)) == 1


async def test_ciphertext_moved_to_another_users_row_does_not_open(
    session: AsyncSession, cipher: CredentialCipher
) -> None:
    alice, bob = await _two_users(session)
    a = await accounts.add(
        session, cipher, user_id=alice, exchange="mexc", label="main", credentials=CREDS
    )
    b = await accounts.add(
        session,
        cipher,
        user_id=bob,
        exchange="mexc",
        label="main",
        credentials=ExchangeCredentials("bobkey0000", "bobsecret"),
    )
    # An attacker with write access to the table copies Alice's sealed secret into Bob's row.
    b.key_id, b.nonce, b.ciphertext = a.key_id, a.nonce, a.ciphertext
    await session.commit()
    with pytest.raises(DecryptionError):
        await accounts.open_credentials(session, cipher, user_id=bob, account_id=b.id)


async def test_strategies_builtin_visible_to_all_own_only_to_owner(session: AsyncSession) -> None:
    alice, bob = await _two_users(session)
    builtin = await strategies.create(
        session, user_id=None, name="ema", kind="rule", definition={"fast": 12, "slow": 26}
    )
    mine = await strategies.create(
        session, user_id=alice, name="mine", kind="rule", definition={"slow": 26, "fast": 12}
    )
    await session.commit()

    assert builtin.config_hash == mine.config_hash  # key order does not matter
    assert {s.id for s in await strategies.list_visible(session, user_id=alice)} == {
        builtin.id,
        mine.id,
    }
    assert {s.id for s in await strategies.list_visible(session, user_id=bob)} == {builtin.id}
    with pytest.raises(NotFound):
        await strategies.get(session, user_id=bob, strategy_id=mine.id)
    with pytest.raises(NotFound):
        await strategies.update(session, user_id=bob, strategy_id=mine.id, definition={})
    with pytest.raises(NotFound):  # built-ins are read-only for users
        await strategies.delete(session, user_id=alice, strategy_id=builtin.id)

    updated = await strategies.update(
        session, user_id=alice, strategy_id=mine.id, definition={"fast": 5}, name="faster"
    )
    await session.commit()
    assert updated.name == "faster"
    assert updated.config_hash == strategies.config_hash("rule", {"fast": 5})
    assert updated.config_hash != builtin.config_hash


async def test_bots_lifecycle_and_scoping(session: AsyncSession, cipher: CredentialCipher) -> None:
    alice, bob = await _two_users(session)
    strat = await strategies.create(session, user_id=None, name="ema", kind="rule", definition={})
    acct = await accounts.add(
        session, cipher, user_id=alice, exchange="mexc", label="main", credentials=CREDS
    )
    bot = await bots.create(
        session,
        user_id=alice,
        strategy_id=strat.id,
        name="b1",
        mode="live",
        account_id=acct.id,
        params={"risk": 0.01},
    )
    await session.commit()
    assert (bot.status, bot.mode, bot.params) == ("stopped", "live", {"risk": 0.01})

    running = await bots.set_status(session, user_id=alice, bot_id=bot.id, status="running")
    assert running.started_at is not None
    await bots.update_params(session, user_id=alice, bot_id=bot.id, params={"risk": 0.02})
    await session.commit()
    listed = await bots.list_running_for_config(
        session, config_hash=strat.config_hash, user_ids=[alice, bob]
    )
    assert [b.id for b in listed] == [bot.id]
    assert (
        await bots.list_running_for_config(session, config_hash=strat.config_hash, user_ids=[bob])
        == []
    )

    with pytest.raises(NotFound):
        await bots.get(session, user_id=bob, bot_id=bot.id)
    with pytest.raises(NotFound):
        await bots.set_status(session, user_id=bob, bot_id=bot.id, status="stopped")
    with pytest.raises(NotFound):
        await bots.delete(session, user_id=bob, bot_id=bot.id)
    await session.commit()
    assert (await bots.get(session, user_id=alice, bot_id=bot.id)).status == "running"

    # An account or strategy still used by a bot cannot be deleted from under it.
    with pytest.raises(Conflict):
        await accounts.delete(session, user_id=alice, account_id=acct.id)
    await session.commit()
    assert len(await accounts.list_for_user(session, user_id=alice)) == 1

    await bots.delete(session, user_id=alice, bot_id=bot.id)
    await accounts.delete(session, user_id=alice, account_id=acct.id)
    await session.commit()
    assert await bots.list_for_user(session, user_id=alice) == []
    assert await session.scalar(select(func.count()).select_from(BotRow)) == 0


async def test_bot_needs_visible_strategy_and_own_account(
    session: AsyncSession, cipher: CredentialCipher
) -> None:
    alice, bob = await _two_users(session)
    alices = await strategies.create(session, user_id=alice, name="s", kind="rule", definition={})
    bobs_acct = await accounts.add(
        session, cipher, user_id=bob, exchange="mexc", label="m", credentials=CREDS
    )
    with pytest.raises(NotFound):
        await bots.create(session, user_id=bob, strategy_id=alices.id, name="x")
    with pytest.raises(NotFound):
        await bots.create(
            session,
            user_id=alice,
            strategy_id=alices.id,
            name="x",
            mode="live",
            account_id=bobs_acct.id,
        )
    with pytest.raises(ValueError, match="account"):
        await bots.create(session, user_id=alice, strategy_id=alices.id, name="x", mode="live")
    with pytest.raises(ValueError, match="mode"):
        await bots.create(session, user_id=alice, strategy_id=alices.id, name="x", mode="yolo")
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(BotRow)) == 0
    assert await session.scalar(select(func.count()).select_from(StrategyRow)) == 1


async def test_strategy_in_use_cannot_be_deleted(session: AsyncSession) -> None:
    alice, _ = await _two_users(session)
    strat = await strategies.create(session, user_id=alice, name="s", kind="rule", definition={})
    await bots.create(session, user_id=alice, strategy_id=strat.id, name="b")
    with pytest.raises(Conflict):
        await strategies.delete(session, user_id=alice, strategy_id=strat.id)
    await session.commit()
    assert (await strategies.get(session, user_id=alice, strategy_id=strat.id)).name == "s"


async def test_deleting_a_user_cascades_through_bots_strategies_and_accounts(
    session: AsyncSession, cipher: CredentialCipher
) -> None:
    alice, bob = await _two_users(session)
    strat = await strategies.create(session, user_id=alice, name="s", kind="rule", definition={})
    acct = await accounts.add(
        session, cipher, user_id=alice, exchange="mexc", label="m", credentials=CREDS
    )
    await bots.create(
        session, user_id=alice, strategy_id=strat.id, name="b", mode="live", account_id=acct.id
    )
    bobs = await strategies.create(session, user_id=bob, name="s", kind="rule", definition={})
    await session.commit()

    await users.delete(session, user_id=alice)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(BotRow)) == 0
    assert await session.scalar(select(func.count()).select_from(ExchangeAccountRow)) == 0
    assert [s.id for s in (await session.scalars(select(StrategyRow))).all()] == [bobs.id]
