"""The admins' helpdesk actions (SPEC §2.10, §3 Admin): reassign a claim, reopen an application,
disable, enable or unbind an account. Every one is audited by its service."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.domain.accounts import Account, Role
from chalicelib.domain.staff_actions import AccountAction, Reassign, Reopen
from chalicelib.handlers import schemas, views
from chalicelib.handlers.edge import json_object, now
from chalicelib.handlers.guard import bearer, signed_in
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.routing import current_request
from chalicelib.services import accounts_admin, claims
from chalicelib.services import reopen as reopening

admin_actions = Blueprint(__name__)
TAGS = ("admin",)


def _admin() -> Account:
    return signed_in(current_request(), Role.ADMIN)


def account_state(account: Account) -> dict:
    """What an account action answers: no phone, no ID number."""
    return {"account_id": account.account_id, "role": account.role.value, "disabled": account.disabled,
            "unbound": account.is_unbound}


@admin_actions.route("/admin/applications/{application_id}/reassign", methods=["POST"])
@bearer
@doc("Give the claim of a submitted or in-review application to an active reviewer, with a fresh lease "
     "(audited); 422 naming `reviewer` for an unknown or disabled one, 409 in any other state",
     request=schemas.REASSIGN, response=schemas.APPLICATION, errors=(403, 404, 409, 422), tags=TAGS)
def reassign(application_id):
    me = _admin()
    command = Reassign.from_json(json_object(current_request(), schemas.REASSIGN))
    return views.queue_entry(claims.reassign(bootstrap.deps(), me, application_id, command, now()))


@admin_actions.route("/admin/applications/{application_id}/reopen", methods=["POST"])
@bearer
@doc("Return an expired or rejected application to rejected, resubmittable until `fix_until` (a future "
     "date-time; a date means the end of that day, Beijing time); audited, the applicant gets a message "
     "and an SMS. The same reopen again (same note and fix_until, e.g. a double click) answers the application "
     "as it is and sends nothing. 409 in any other state, or when the person has another live application in "
     "the window; 422 when the application's review rounds are used up (REOPEN_ROUNDS_EXHAUSTED)",
     request=schemas.REOPEN, response=schemas.APPLICATION, errors=(403, 404, 409, 422), tags=TAGS)
def reopen(application_id):
    me = _admin()
    command = Reopen.from_json(json_object(current_request(), schemas.REOPEN))
    return views.reconsideration_entry(reopening.reopen(bootstrap.deps(), me, application_id, command, now()))


def _account_action(act, account_id):
    """An admin's action on an account: the role first, then the note, then the service."""
    me = _admin()
    command = AccountAction.from_json(json_object(current_request(), schemas.ACCOUNT_ACTION))
    return account_state(act(bootstrap.deps(), me, account_id, command, now()))


@admin_actions.route("/admin/accounts/{account_id}/disable", methods=["POST"])
@bearer
@doc("Disable an account: it cannot sign in (answered as a wrong password) and its tokens fail; audited",
     request=schemas.ACCOUNT_ACTION, response=schemas.ACCOUNT_STATE, errors=(403, 404, 409, 422), tags=TAGS)
def disable_account(account_id):
    return _account_action(accounts_admin.disable, account_id)


@admin_actions.route("/admin/accounts/{account_id}/enable", methods=["POST"])
@bearer
@doc("Enable a disabled account; tokens issued before stay revoked (the holder signs in again); audited",
     request=schemas.ACCOUNT_ACTION, response=schemas.ACCOUNT_STATE, errors=(403, 404, 409, 422), tags=TAGS)
def enable_account(account_id):
    return _account_action(accounts_admin.enable, account_id)


@admin_actions.route("/admin/accounts/{account_id}/unbind", methods=["POST"])
@bearer
@doc("Unbind an applicant account: its phone and ID number are freed (the person signs up again with the "
     "right phone and keeps their applications and certificates), the account is disabled for good and "
     "its tokens fail; audited. 422 for a staff account, 409 for one already unbound",
     request=schemas.ACCOUNT_ACTION, response=schemas.ACCOUNT_STATE, errors=(403, 404, 409, 422), tags=TAGS)
def unbind_account(account_id):
    return _account_action(accounts_admin.unbind, account_id)
