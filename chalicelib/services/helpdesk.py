"""The helpdesk search and the audit listing (SPEC §2.10, §3 Admin `GET /admin/search`, `GET /admin/audit`).

A search finds people by exact keys only: each plausible kind of key (`SearchQuery.keys`) is one
key lookup or one index query (never a scan), so its cost does not grow with the register. Then,
for each person found (at most PEOPLE_CAP), the register row, registrations, account,
applications, certificates and their mailings: a fixed number of key reads per person.

The answer shows personal data unmasked, so every search is audited (subject `search#<admin>`),
with the query masked: the audit entry is the record of that read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.accounts import Account, phone_login
from chalicelib.domain.application import Application
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.helpdesk_search import AuditQuery, SearchKind, SearchQuery
from chalicelib.domain.mailing import Mailing
from chalicelib.domain.ports import Page
from chalicelib.domain.register import Practitioner, Registration
from chalicelib.services.deps import Deps

PEOPLE_CAP = 20  # namesakes: more than this and the answer says `truncated`; search by ID number instead
APPLICATIONS_SHOWN = 20  # newest first; a person files about one a window
AUDIT_PAGE_SIZE = 25


@dataclass
class PersonFound:
    """One person (an ID number) a search found, with everything the helpdesk needs about them."""

    id_number: str
    matched_by: list[SearchKind] = field(default_factory=list)
    practitioner: Practitioner | None = None
    registrations: list[Registration] = field(default_factory=list)
    account: Account | None = None
    applications: list[Application] = field(default_factory=list)
    more_applications: bool = False
    certificates: list[Certificate] = field(default_factory=list)
    mailings: dict[str, Mailing] = field(default_factory=dict)

    @property
    def anything(self) -> bool:
        return bool(self.practitioner or self.account or self.registrations or self.applications or self.certificates)


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    people: list[PersonFound]
    truncated: bool  # more than PEOPLE_CAP people matched; only the first PEOPLE_CAP are here


def search_audit_subject(admin: Account) -> str:
    return f"search#{admin.username}"


class _Found:
    """The people the keys led to, in the order found, with what each lookup already read."""

    def __init__(self) -> None:
        self.people: dict[str, PersonFound] = {}
        self.more = False

    def add(self, id_number: str, kind: SearchKind, *, practitioner: Practitioner | None = None,
            account: Account | None = None) -> None:
        person = self.people.get(id_number)
        if person is None:
            if len(self.people) >= PEOPLE_CAP:
                self.more = True
                return
            person = self.people[id_number] = PersonFound(id_number)
        if kind not in person.matched_by:
            person.matched_by.append(kind)
        person.practitioner = person.practitioner or practitioner
        person.account = person.account or account


def _look_up(deps: Deps, query: SearchQuery) -> _Found:
    found = _Found()
    for key in query.keys:
        if key.kind is SearchKind.ID_NUMBER:
            found.add(key.value, key.kind)
        elif key.kind is SearchKind.PHONE:
            account = deps.accounts.by_login(phone_login(key.value))
            if account is not None and account.id_number:
                found.add(account.id_number, key.kind, account=account)
        elif key.kind is SearchKind.REGISTRATION_NO:
            registration = deps.register.registration_by_no(key.value)
            if registration is not None:
                found.add(registration.id_number, key.kind)
            certificate = deps.certificates.get(key.value)
            if certificate is not None:
                found.add(certificate.id_number, key.kind)
        else:
            look_up = (deps.register.practitioners_by_certificate_no if key.kind is SearchKind.CERTIFICATE_NO
                       else deps.register.practitioners_named)
            rows = look_up(key.value, PEOPLE_CAP + 1)
            found.more = found.more or len(rows) > PEOPLE_CAP
            for row in rows[:PEOPLE_CAP]:
                found.add(row.id_number, key.kind, practitioner=row)
    return found


def _fill(deps: Deps, person: PersonFound) -> None:
    if person.practitioner is None:
        person.practitioner = deps.register.get_practitioner(person.id_number)
    if person.account is None:
        person.account = deps.accounts.bound_to(person.id_number)
    person.registrations = deps.register.registrations_of(person.id_number)
    page = deps.applications.list_for_applicant(person.id_number, None, APPLICATIONS_SHOWN)
    person.applications, person.more_applications = page.items, page.position is not None
    person.certificates = deps.certificates.of_holder(person.id_number)


def _attach_mailings(deps: Deps, people: list[PersonFound]) -> None:
    """Every certificate's mailing, in batch reads across the people found (`get_many` takes any
    number of keys: the adapter splits them into BatchGetItem requests of 100)."""
    numbers = [c.registration_no for person in people for c in person.certificates]
    mailings = deps.mailings.get_many(numbers) if numbers else {}
    for person in people:
        person.mailings = {c.registration_no: mailings[c.registration_no]
                           for c in person.certificates if c.registration_no in mailings}


def search(deps: Deps, admin: Account, query: SearchQuery, now: datetime) -> SearchResult:
    """Everyone the query exactly matches, as the helpdesk sees them (unmasked). Nobody found is an
    empty answer, not an error. Audited under `search#<admin>` with the query masked, before the
    answer leaves: a search whose audit entry cannot be written shows nothing."""
    found = _look_up(deps, query)
    for person in found.people.values():
        _fill(deps, person)
    people = [person for person in found.people.values() if person.anything]
    _attach_mailings(deps, people)
    deps.audit.record(search_audit_subject(admin), admin.username, query.audit_action(len(people)), now)
    return SearchResult(query, people, found.more)


def audit_page(deps: Deps, query: AuditQuery, position: str | None) -> Page:
    """One page of the audit log, newest first: a subject's entries (only the actor's when one is
    given too), an actor's, or every entry. Each is one query per page on the table or an index."""
    if query.subject is not None:
        return deps.audit.page(query.subject, position, AUDIT_PAGE_SIZE, actor=query.actor)
    if query.actor is not None:
        return deps.audit.by_actor(query.actor, position, AUDIT_PAGE_SIZE)
    return deps.audit.newest(position, AUDIT_PAGE_SIZE)
