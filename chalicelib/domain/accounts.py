"""Accounts: applicants sign in by phone, staff (reviewers, admins) by username."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    ADMIN = "admin"


def phone_login(phone: str) -> str:
    return f"phone#{phone}"


def staff_login(username: str) -> str:
    return f"staff#{username}"


@dataclass
class Account:
    """`id_number` binds an applicant to one register row (real-name binding, unique)."""

    account_id: str
    login_key: str
    role: Role
    password_hash: str
    created_at: datetime
    phone: str | None = None
    id_number: str | None = None
    username: str | None = None
    failures: int = 0
    locked_until: datetime | None = None
    disabled: bool = False
