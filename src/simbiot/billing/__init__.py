"""Monetisation: plans and their entitlements, subscriptions, one-off payments (credits),
the billing ledger and payment providers.

* ``entitlements`` — the plan in force for a user; ``enforcement`` stops the bots a plan
  no longer allows.
* ``provider`` — the payment-provider port; ``sandbox`` its provider that moves no money;
  ``providers`` builds the configured one; ``signing`` and ``events`` are the webhook's
  signature and wire form.
* ``checkout``, ``subscriptions``, ``credits``, ``grants`` — what users and administrators
  ask for; ``webhooks`` and ``payments`` — what a provider's signed event does, once.
* ``ledger`` — append-only entries, one per reference; ``usage`` — backtests against the
  daily allowance, then credits.
* ``sweeper`` — renewal, grace and expiry at the clock's time; ``sweeper_service`` runs it
  every minute in the API process.
"""
