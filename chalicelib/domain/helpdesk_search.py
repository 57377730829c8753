"""The helpdesk search and the audit listing (SPEC §2.10, §3 Admin): what a typed query can be, and
how a search is told in the audit log.

A query is tried as every kind of key its shape allows, exact matches only: an ID number (18
characters, check character right), a mobile number, a certificate management number or a
registration number (letters, digits and '-': an issued `BJYYYY######` or an imported one), and a
name. "ABC" is a plausible certificate number and a plausible (Latin) name, so both are tried;
"周晓梅" can only be a name; a valid ID number is also a well-formed code and is tried as one.

The audit entry of a search holds the kinds tried and the query masked as its most sensitive
plausible kind: an ID number, a phone or a name as `domain/identity.py` masks them (`mask_id_number`,
`mask_phone`, `mask_name`).
A code (certificate or registration number) is not personal data and is kept, unless it holds a
run of eleven or more digits (a mistyped ID or phone number), which is masked like one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Mapping

from chalicelib.domain import texts
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.identity import (
    mask_id_number, mask_name, mask_phone, normalize_name, parse_id_number, parse_mobile)
from chalicelib.domain.register import parse_code

MAX_QUERY_LENGTH = 64
AUDIT_FILTER_MAX_LENGTH = 200
_LONG_DIGIT_RUN = re.compile(r"[0-9]{11,}")
_WHITESPACE = re.compile(r"\s+")


class SearchKind(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    REGISTRATION_NO = "registration_no"
    CERTIFICATE_NO = "certificate_no"
    NAME = "name"

    @property
    def chinese(self) -> str:
        return texts.SEARCH_KEY_LABELS[self.value]


@dataclass(frozen=True)
class SearchKey:
    """One exact key to look up: its kind and its canonical value (as the register stores it)."""

    kind: SearchKind
    value: str


def _refuse(reason: str, **params: object) -> ValidationError:
    return ValidationError(code="SEARCH_QUERY_INVALID", details={"q": texts.reason(reason, **params)})


def _tried(parse, raw: str) -> str | None:
    try:
        return parse(raw)
    except ValidationError:
        return None


def _mask_code(code: str) -> str:
    if not _LONG_DIGIT_RUN.search(code):
        return code
    return f"{code[:3]}{'*' * (len(code) - 7)}{code[-4:]}"


@dataclass(frozen=True)
class SearchQuery:
    """`GET /admin/search?q=`: the keys the query is tried as, most specific first."""

    keys: tuple[SearchKey, ...]

    @classmethod
    def from_query(cls, query: Mapping[str, Any] | None) -> SearchQuery:
        return cls(search_keys((query or {}).get("q")))

    @property
    def kinds(self) -> tuple[SearchKind, ...]:
        return tuple(key.kind for key in self.keys)

    def masked(self) -> str:
        """The query as the audit may hold it (see the module docstring)."""
        by_kind = {key.kind: key.value for key in self.keys}
        if SearchKind.ID_NUMBER in by_kind:
            return mask_id_number(by_kind[SearchKind.ID_NUMBER])
        if SearchKind.PHONE in by_kind:
            return mask_phone(by_kind[SearchKind.PHONE])
        if SearchKind.NAME in by_kind:
            return mask_name(by_kind[SearchKind.NAME])
        return _mask_code(self.keys[0].value)

    def audit_action(self, found: int) -> str:
        """The audit entry's action: the kinds tried, the masked query, how many people it found."""
        return f"search {'|'.join(self.kinds)} {self.masked()}: {found} found"


def search_keys(raw: object) -> tuple[SearchKey, ...]:
    """Every kind of key `raw` can plausibly be, with its canonical value.
    Raises ValidationError SEARCH_QUERY_INVALID (on `q`) when it is empty, longer than
    MAX_QUERY_LENGTH, or no kind of key at all."""
    if not isinstance(raw, str) or not raw.strip():
        raise _refuse("SEARCH_QUERY_REQUIRED")
    if len(raw) > MAX_QUERY_LENGTH:
        raise _refuse("SEARCH_QUERY_TOO_LONG", max_length=MAX_QUERY_LENGTH)
    keys: list[SearchKey] = []
    if (id_number := _tried(parse_id_number, raw)) is not None:
        keys.append(SearchKey(SearchKind.ID_NUMBER, id_number))
    if (phone := _tried(parse_mobile, raw)) is not None:
        keys.append(SearchKey(SearchKind.PHONE, phone))
    if (code := _tried(lambda value: parse_code(value, field="q", label=""), raw)) is not None:
        keys += [SearchKey(SearchKind.REGISTRATION_NO, code), SearchKey(SearchKind.CERTIFICATE_NO, code)]
    # A name on the register has no spaces: "周 晓梅", as typed at a counter, is 周晓梅.
    if (name := _tried(normalize_name, _WHITESPACE.sub("", raw))) is not None:
        keys.append(SearchKey(SearchKind.NAME, name))
    if not keys:
        raise _refuse("SEARCH_QUERY_UNRECOGNISED")
    return tuple(keys)


def _filter(query: Mapping[str, Any], field: str) -> str | None:
    raw = query.get(field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str) or len(raw.strip()) > AUDIT_FILTER_MAX_LENGTH:
        raise ValidationError(code="AUDIT_QUERY_INVALID", details={field: texts.reason(
            "TEXT_TOO_LONG", label=texts.AUDIT_FILTER_LABELS[field], max_length=AUDIT_FILTER_MAX_LENGTH)})
    return raw.strip()


@dataclass(frozen=True)
class AuditQuery:
    """`GET /admin/audit?subject=&actor=`: one subject's entries, one actor's, both (the subject's
    entries by that actor), or neither (the whole log); newest first either way."""

    subject: str | None = None
    actor: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any] | None) -> AuditQuery:
        query = query or {}
        problems: dict[str, str] = {}
        values = {}
        for field in ("subject", "actor"):
            try:
                values[field] = _filter(query, field)
            except ValidationError as exc:
                problems.update(exc.details)
        if problems:
            raise ValidationError(code="AUDIT_QUERY_INVALID", details=problems)
        return cls(**values)
