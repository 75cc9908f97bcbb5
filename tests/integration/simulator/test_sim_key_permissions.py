"""The simulator's Binance key-permission route, driven by the real ccxt ``binance`` client."""

from __future__ import annotations

import ccxt
import ccxt.async_support as ccxt_async
import httpx
import pytest

from simbiot.exchange.simulator import SimulatorServer, ccxt_config


def _binance(sim: SimulatorServer, key: str, secret: str) -> ccxt_async.binance:
    assert sim.base_url is not None
    config = ccxt_config(sim.base_url, "binance", api_key=key, secret=secret)
    return ccxt_async.binance({**config, "timeout": 2_000})


async def _restrictions(sim: SimulatorServer, key: str, secret: str) -> dict[str, object]:
    client = _binance(sim, key, secret)
    try:
        answer: dict[str, object] = await client.sapiGetAccountApiRestrictions()
        return answer
    finally:
        await client.close()


async def test_accounts_added_over_http_carry_their_withdraw_permission(
    simulator: SimulatorServer,
) -> None:
    assert simulator.base_url is not None
    async with httpx.AsyncClient(base_url=simulator.base_url) as http:
        for key, flag in (("wd-key", True), ("trade-key", False)):
            body = {"api_key": key, "secret": "s-" + key, "balances": {}, "can_withdraw": flag}
            assert (await http.post("/sim/accounts", json=body)).status_code == 200
        bad = {"api_key": "x", "secret": "y", "balances": {}, "can_withdraw": "yes"}
        refused = await http.post("/sim/accounts", json=bad)
    assert refused.status_code == 400
    assert "x" not in simulator.exchange_state.accounts
    assert (await _restrictions(simulator, "wd-key", "s-wd-key"))["enableWithdrawals"] is True
    trade = await _restrictions(simulator, "trade-key", "s-trade-key")
    assert trade["enableWithdrawals"] is False
    assert trade["enableSpotAndMarginTrading"] is True


async def test_a_key_without_withdraw_flag_defaults_to_no_withdrawals(
    simulator: SimulatorServer,
) -> None:
    answer = await _restrictions(simulator, "sim-key", "sim-secret")
    assert answer["enableWithdrawals"] is False


async def test_bad_keys_and_signatures_get_binance_errors(simulator: SimulatorServer) -> None:
    with pytest.raises(ccxt.AuthenticationError):
        await _restrictions(simulator, "no-such-key", "sim-secret")
    with pytest.raises(ccxt.AuthenticationError):
        await _restrictions(simulator, "sim-key", "wrong-secret")
