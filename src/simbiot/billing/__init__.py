"""Monetisation: plans and their entitlements, subscriptions, one-off payments (credits),
the billing ledger and payment providers."""
