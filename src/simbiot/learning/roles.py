"""The models the running system uses, by registry name: what each predicts and from what.

``trend`` (classifier, triple-barrier outcome) filters entries (S1), judges trends in the
X-ray (A4), scores the blacklist (S4) and sets conviction in sizing (R1); ``potential``
(regressor, forward log return) ranks tokens (A7); ``volatility`` (regressor, forward
per-bar volatility) scales sizes (R1) and stop distances (R3).
"""

from __future__ import annotations

from dataclasses import dataclass

from simbiot.learning.training import ModelKind

__all__ = ["ROLES", "ModelRole", "role_of"]


@dataclass(frozen=True, slots=True)
class ModelRole:
    """A registry name with its model kind and the dataset label it learns."""

    name: str
    kind: ModelKind
    target: str  # a Dataset.target name: class | return | volatility


ROLES: tuple[ModelRole, ...] = (
    ModelRole("trend", "classifier", "class"),
    ModelRole("potential", "regressor", "return"),
    ModelRole("volatility", "regressor", "volatility"),
)


def role_of(name: str, kind: ModelKind | None = None) -> ModelRole:
    """The role of registry name ``name``; an unknown name is a model of ``kind`` (default
    classifier) on the label that kind learns by default."""
    for role in ROLES:
        if role.name == name:
            return role
    k: ModelKind = kind or "classifier"
    return ModelRole(name, k, "class" if k == "classifier" else "return")
