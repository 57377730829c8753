"""Binds the PynamoDB models to a stage's tables and creates them where we own the stack."""
from __future__ import annotations

from pynamodb.models import Model

from chalicelib.adapters.dynamo.models import MODELS
from chalicelib.settings import Settings


def bind(settings: Settings) -> None:
    """Point every model at `<prefix><base_name>` in the settings' region.

    PynamoDB caches one connection per model class; dropping it makes the next
    call pick up the new name (tests bind each session to fresh tables).
    """
    for model in MODELS:
        model.Meta.table_name = settings.table_prefix + model.Meta.base_name
        model.Meta.region = settings.region
        model._connection = None


def create_missing() -> list[str]:
    """Create the tables that do not exist yet (local stack and tests only;
    in AWS the infra/ stack owns them). Returns the names created."""
    created = []
    for model in MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
            created.append(model.Meta.table_name)
    return created


def delete_all() -> None:
    """Drop every bound table (test teardown)."""
    for model in MODELS:
        if model.exists():
            model.delete_table()


def probe() -> None:
    """One cheap data-plane read; raises when DynamoDB or the table is unreachable."""
    first: type[Model] = MODELS[0]
    first.count(hash_key="__health__")
