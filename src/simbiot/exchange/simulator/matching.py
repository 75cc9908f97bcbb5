"""The simulated venue's accounts, orders and fills.

Market orders and the marketable part of limit orders walk the synthetic book (taker fee);
what rests fills at its limit price on a later candle whose range reaches it (maker fee),
at most ``_RESTING_LEVELS`` book levels of quantity per candle, so large resting orders
fill over several candles. Fees are charged in the asset received.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal

from simbiot.exchange.simulator.accounts import Account
from simbiot.exchange.simulator.errors import SimApiError
from simbiot.exchange.simulator.formats import dec, quantize
from simbiot.exchange.simulator.market import Markets
from simbiot.exchange.simulator.order_rules import OrderRequest, parse_order_request
from simbiot.exchange.simulator.orders import SimOrder, SimTrade

__all__ = ["ExchangeState"]

ZERO = Decimal(0)
_RESTING_LEVELS = 10


class ExchangeState:
    """Accounts, orders and trades of the simulated venue."""

    def __init__(self, markets: Markets, *, maker_fee: Decimal, taker_fee: Decimal) -> None:
        self.markets = markets
        self.maker_fee = maker_fee
        self.taker_fee = taker_fee
        self.accounts: dict[str, Account] = {}
        self.orders: dict[str, SimOrder] = {}
        # Open orders by id, so sweeps and listings never scan the whole order history.
        self._open: dict[str, SimOrder] = {}
        self.trades: dict[str, list[SimTrade]] = {}
        self._by_client: dict[tuple[str, str], str] = {}
        self._order_seq = itertools.count(1)
        self._trade_seq = itertools.count(1)

    # --- accounts -------------------------------------------------------------------
    def add_account(
        self,
        api_key: str,
        secret: str,
        balances: Mapping[str, Decimal],
        *,
        can_withdraw: bool = False,
    ) -> Account:
        """Create (or top up) an account; ``can_withdraw`` is its key's withdraw permission."""
        account = self.accounts.get(api_key) or Account(api_key, secret)
        account.secret = secret
        account.can_withdraw = can_withdraw
        for asset, amount in balances.items():
            account.deposit(asset, Decimal(amount))
        self.accounts[api_key] = account
        self.trades.setdefault(api_key, [])
        return account

    # --- orders ---------------------------------------------------------------------
    def place(self, api_key: str, params: Mapping[str, str]) -> SimOrder:
        """Check and execute a new order; raise ``SimApiError`` when it is refused."""
        self.sweep()
        account = self.accounts[api_key]
        i = self.markets.resolve(params.get("symbol"), trading=True)
        u = self.markets.universe
        last = dec(self.markets.last_price(i), int(u.price_decimals[i]))
        req = parse_order_request(params, i, u, last)
        if req.client_order_id and (api_key, req.client_order_id) in self._by_client:
            raise SimApiError(-2010, "Duplicate order sent.")
        base, quote = u.bases[i], u.quote
        book = self.markets.book(i)
        if req.type == "LIMIT_MAKER" and req.price is not None:
            best = book.asks[0][0] if req.side == "BUY" else book.bids[0][0]
            if (req.side == "BUY" and req.price >= best) or (
                req.side == "SELL" and req.price <= best
            ):
                raise SimApiError(-2010, "Order would immediately match and take.")
        now = self.markets.clock.now_ms()
        order = SimOrder(
            order_id=f"C02__{next(self._order_seq)}",
            client_order_id=req.client_order_id or f"sim{now}{len(self.orders)}",
            api_key=api_key,
            market=i,
            market_id=u.market_id(i),
            side=req.side,
            type=req.type,
            price=req.price,
            orig_qty=req.quantity or ZERO,
            orig_quote_qty=req.quote_qty or ZERO,
            time_ms=now,
            placed_index=self.markets.current_index(),
        )
        order.checked_index = order.placed_index
        self._reserve(account, order, req, base, quote)
        levels = book.asks if req.side == "BUY" else book.bids
        self._take(account, order, levels, base, quote, now)
        self._finish_placement(account, order, base, quote)
        self.orders[order.order_id] = order
        if order.is_open:
            self._open[order.order_id] = order
        self._by_client[(api_key, order.client_order_id)] = order.order_id
        return order

    def _reserve(
        self, account: Account, order: SimOrder, req: OrderRequest, base: str, quote: str
    ) -> None:
        if order.type == "MARKET":
            if order.side == "SELL":
                account.require_free(base, order.orig_qty)
            elif req.quote_qty is not None:
                account.require_free(quote, req.quote_qty)
            else:
                cost = _walk_cost(self.markets.book(order.market).asks, order.orig_qty)
                account.require_free(quote, cost)
            return
        assert order.price is not None
        amount = order.orig_qty * order.price if order.side == "BUY" else order.orig_qty
        account.lock(quote if order.side == "BUY" else base, amount)
        order.locked = amount

    def _take(
        self,
        account: Account,
        order: SimOrder,
        levels: list[tuple[Decimal, Decimal]],
        base: str,
        quote: str,
        now: int,
    ) -> None:
        """Fill against book levels the order's price reaches (all, for market orders)."""
        if order.type == "FILL_OR_KILL":
            reachable = sum(q for p, q in levels if _reaches(order, p))
            if reachable < order.orig_qty:
                return
        amount_dec = int(self.markets.universe.amount_decimals[order.market])
        budget = order.orig_quote_qty if order.orig_qty == ZERO else None
        for price, qty in levels:
            if not _reaches(order, price):
                break
            if budget is not None:
                take = min(
                    qty, quantize((budget - order.cumm_quote_qty) / price, amount_dec, "down")
                )
            else:
                take = min(qty, order.remaining)
            if take <= ZERO:
                break
            self._fill(account, order, take, price, base, quote, now, maker=False)
            if budget is None and order.remaining <= ZERO:
                break

    def _finish_placement(self, account: Account, order: SimOrder, base: str, quote: str) -> None:
        if order.type == "MARKET" and order.orig_qty == ZERO:
            order.orig_qty = order.executed_qty
        filled = order.executed_qty > ZERO
        if order.remaining <= ZERO and filled:
            order.status = "FILLED"
        elif order.type in ("MARKET", "IMMEDIATE_OR_CANCEL", "FILL_OR_KILL"):
            order.status = "PARTIALLY_CANCELED" if filled else "CANCELED"
        else:
            order.status = "PARTIALLY_FILLED" if filled else "NEW"
        if not order.is_open and order.locked > ZERO:
            account.unlock(quote if order.side == "BUY" else base, order.locked)
            order.locked = ZERO

    def _fill(
        self,
        account: Account,
        order: SimOrder,
        qty: Decimal,
        price: Decimal,
        base: str,
        quote: str,
        when: int,
        *,
        maker: bool,
    ) -> None:
        cost = qty * price
        rate = self.maker_fee if maker else self.taker_fee
        if order.side == "BUY":
            spent_lock = min(order.locked, qty * (order.price or price))
            self._spend(account, quote, cost, spent_lock)
            order.locked -= spent_lock
            fee, fee_asset = qty * rate, base
            account.balances[base].free += qty - fee
        else:
            spent_lock = min(order.locked, qty)
            self._spend(account, base, qty, spent_lock)
            order.locked -= spent_lock
            fee, fee_asset = cost * rate, quote
            account.balances[quote].free += cost - fee
        order.executed_qty += qty
        order.cumm_quote_qty += cost
        order.update_ms = when
        self.trades[account.api_key].append(
            SimTrade(
                next(self._trade_seq),
                order.order_id,
                order.client_order_id,
                account.api_key,
                order.market_id,
                order.side,
                price,
                qty,
                cost,
                fee,
                fee_asset,
                when,
                maker,
            )
        )

    @staticmethod
    def _spend(account: Account, asset: str, amount: Decimal, from_lock: Decimal) -> None:
        # A taker limit buy filling below its limit spends less than it locked for that part;
        # the difference returns to free.
        bal = account.balances[asset]
        bal.locked -= from_lock
        bal.free += from_lock - amount

    def find(self, api_key: str, market_id: str | None, params: Mapping[str, str]) -> SimOrder:
        """Return the account's order by ``orderId`` or ``origClientOrderId``."""
        self.sweep()
        self.markets.resolve(market_id)
        order_id = params.get("orderId")
        client_id = params.get("origClientOrderId")
        if not order_id and not client_id:
            raise SimApiError(
                700004,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        if not order_id:
            order_id = self._by_client.get((api_key, client_id or ""))
        order = self.orders.get(order_id or "")
        if order is None or order.api_key != api_key or order.market_id != market_id:
            raise SimApiError.order_not_found()
        return order

    def cancel(self, api_key: str, market_id: str | None, params: Mapping[str, str]) -> SimOrder:
        """Cancel an open order and release what it locked."""
        order = self.find(api_key, market_id, params)
        if not order.is_open:
            raise SimApiError(-2011, "Unknown order sent.")
        u = self.markets.universe
        asset = u.quote if order.side == "BUY" else u.bases[order.market]
        self.accounts[api_key].unlock(asset, order.locked)
        order.locked = ZERO
        order.status = "PARTIALLY_CANCELED" if order.executed_qty > ZERO else "CANCELED"
        order.update_ms = self.markets.clock.now_ms()
        self._open.pop(order.order_id, None)
        return order

    def cancel_all(self, api_key: str, market_id: str | None) -> list[SimOrder]:
        """Cancel every open order of the account in one market."""
        self.markets.resolve(market_id)
        return [
            self.cancel(api_key, market_id, {"orderId": o.order_id})
            for o in self.open_orders(api_key, market_id)
        ]

    def all_orders(
        self, api_key: str, market_id: str | None, start_ms: int, end_ms: int | None
    ) -> list[SimOrder]:
        """Return the account's orders of one market placed within the time range."""
        self.sweep()
        self.markets.resolve(market_id)
        return [
            o
            for o in self.orders.values()
            if o.api_key == api_key
            and o.market_id == market_id
            and o.time_ms >= start_ms
            and (end_ms is None or o.time_ms <= end_ms)
        ]

    def open_orders(self, api_key: str, market_id: str | None) -> list[SimOrder]:
        """Return the account's open orders, of one market when given."""
        self.sweep()
        if market_id is not None:
            self.markets.resolve(market_id)
        return [
            o
            for o in self._open.values()
            if o.api_key == api_key and market_id in (None, o.market_id)
        ]

    # --- resting orders -------------------------------------------------------------
    def sweep(self) -> None:
        """Fill resting limit orders on the candles that opened since they were last checked."""
        now_index = self.markets.current_index()
        for order in list(self._open.values()):
            if order.checked_index < now_index:
                self._sweep_order(order, now_index)
            if not order.is_open:
                del self._open[order.order_id]

    def _sweep_order(self, order: SimOrder, now_index: int) -> None:
        assert order.price is not None
        m = self.markets
        u = m.universe
        rows = m.tape.rows(order.market, order.checked_index + 1, now_index)
        order.checked_index = now_index
        limit = float(order.price)
        hit = rows[:, 3] <= limit if order.side == "BUY" else rows[:, 2] >= limit
        per_candle = quantize(
            Decimal(repr(float(u.level_depth_quote[order.market] * _RESTING_LEVELS / limit))),
            int(u.amount_decimals[order.market]),
            "down",
        )
        account = self.accounts[order.api_key]
        base, quote = u.bases[order.market], u.quote
        for row in rows[hit]:
            qty = min(
                order.remaining,
                max(per_candle, Decimal(1).scaleb(-int(u.amount_decimals[order.market]))),
            )
            self._fill(
                account, order, qty, order.price, base, quote, m.open_time(int(row[0])), maker=True
            )
            if order.remaining <= ZERO:
                order.status = "FILLED"
                if order.locked > ZERO:
                    account.unlock(quote if order.side == "BUY" else base, order.locked)
                    order.locked = ZERO
                return
            order.status = "PARTIALLY_FILLED"


def _reaches(order: SimOrder, level_price: Decimal) -> bool:
    if order.price is None:
        return True
    return level_price <= order.price if order.side == "BUY" else level_price >= order.price


def _walk_cost(levels: list[tuple[Decimal, Decimal]], qty: Decimal) -> Decimal:
    cost, left = ZERO, qty
    for price, size in levels:
        take = min(size, left)
        cost += take * price
        left -= take
        if left <= ZERO:
            break
    return cost
