"""Reconsideration (复核, SPEC §2.6): the applicant's request and the reviewers' queue and decision."""
from __future__ import annotations

from chalice import Blueprint

reconsideration = Blueprint(__name__)
