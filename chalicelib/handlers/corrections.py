"""Correction requests (反馈, SPEC §2.9): the applicant's requests and evidence, the admins' decisions."""
from __future__ import annotations

from chalice import Blueprint

corrections = Blueprint(__name__)
