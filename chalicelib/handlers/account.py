"""Account routes (SPEC §3 Applicant): change the password, change the phone."""
from __future__ import annotations

from chalice import Blueprint

account = Blueprint(__name__)
