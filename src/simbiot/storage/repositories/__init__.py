"""Repositories: one module per aggregate, every query scoped by the owning user.

Functions take an ``AsyncSession`` and keyword arguments; they never commit (the caller
owns the transaction). Another user's row looks exactly like a missing one (``NotFound``);
a uniqueness or reference violation raises ``Conflict`` and leaves the caller's
transaction usable.
"""
