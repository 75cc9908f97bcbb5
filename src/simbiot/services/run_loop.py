"""The embedded trading cycle (T5): sync → X-ray → signals → trading, on the venue's clock."""

from __future__ import annotations

import logging
from collections.abc import Callable

from simbiot.domain.timeframes import align_down, timeframe_ms
from simbiot.services.container import Container
from simbiot.services.runtime import ShutdownSignal
from simbiot.services.trading import TradingCycle, TradingStack
from simbiot.services.xray_cycle import XRayCycleResult, run_xray_cycle

__all__ = ["CycleCallback", "run_cycles"]

log = logging.getLogger(__name__)

CycleCallback = Callable[[int, XRayCycleResult, TradingCycle], None]

# Wait this long after a candle closes before fetching it (venue time), so it is final.
_SETTLE_MS = 2_000


async def run_cycles(
    container: Container,
    stack: TradingStack,
    *,
    cycles: int,
    interval_s: float,
    shutdown: ShutdownSignal,
    on_cycle: CycleCallback | None = None,
) -> int:
    """Run trading cycles until ``cycles`` are done (0: until shutdown); return how many ran.

    Each cycle waits for the next candle close of the analysed timeframe (or
    ``interval_s`` of venue time). A failing cycle is logged and the loop goes on (C3).
    """
    tf = container.settings.data.timeframe
    step_ms = timeframe_ms(tf)
    done = 0
    while not shutdown.requested and (cycles == 0 or done < cycles):
        try:
            xray = await run_xray_cycle(container)
            result = await stack.cycle(xray.result)
        except Exception:
            log.exception("trading cycle %d failed; the next one will retry", done + 1)
        else:
            if on_cycle is not None:
                on_cycle(done, xray, result)
        done += 1
        if cycles and done >= cycles:
            break
        now = container.clock.now_ms()
        if interval_s > 0:
            wait_ms = interval_s * 1000
        else:
            wait_ms = align_down(now, tf) + step_ms + _SETTLE_MS - now
        await container.clock.sleep(max(wait_ms, 0) / 1000)
    return done
