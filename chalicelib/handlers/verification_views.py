"""Response shapes of public verification: one number as JSON, a batch as JSON or as a CSV file.

What each answer may show is fixed by the contract (docs/api.md, SPEC §2.10): an issued
certificate without its code shows only the status; with the right code, the masked name, level
and validity; a paper-era registration its years (there is no name or level to show); a batch
row the masked name and level of an issued certificate.
"""
from __future__ import annotations

import io
from datetime import datetime
from typing import Sequence

from chalice import Response

from chalicelib.domain import spreadsheet, texts
from chalicelib.domain.certificates import ISSUING_AUTHORITY
from chalicelib.domain.verification import Verification
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services.verification import Answer

CSV_TYPE = "text/csv"


def verification(answer: Answer) -> dict:
    found = answer.verification
    shown = {"registration_no": found.registration_no, "status": found.status_value,
             "status_text": found.status_text, "valid": found.valid, "paper": found.paper}
    if found.paper:
        return {**shown, "registration_year": found.registration_year, "valid_until": found.valid_until}
    shown["verified_code"] = answer.code_verified
    if answer.code_verified:
        shown.update({"name": found.masked_name, "level": found.level.value, "level_name": found.level.chinese,
                      "registration_year": found.registration_year, "valid_until": found.valid_until,
                      "issuing_authority": ISSUING_AUTHORITY})
    return shown


def batch_item(found: Verification) -> dict:
    return {"registration_no": found.registration_no, "status": found.status_value,
            "status_text": found.status_text, "name": found.masked_name,
            "level": found.level.value if found.level else None,
            "level_name": found.level.chinese if found.level else None,
            "valid_until": found.valid_until, "paper": found.paper}


def wants_csv(accept: str | None) -> bool:
    """Whether an Accept header names text/csv (parameters and other types ignored)."""
    return any(part.split(";")[0].strip().lower() == CSV_TYPE for part in (accept or "").split(","))


def batch_csv(answers: Sequence[Verification], now: datetime) -> Response:
    """The batch as a UTF-8 CSV download (with a BOM, for Excel): a Chinese header row, then one
    row per number asked, in the order asked."""
    out = io.StringIO()
    writer = spreadsheet.csv_writer(out)  # a BOM first: Excel reads UTF-8 as UTF-8 only after it
    writer.writerow(texts.VERIFICATION_CSV_HEADER)
    for found in answers:
        kind = "" if not found.known else texts.VERIFICATION_LABELS["paper" if found.paper else "electronic"]
        # the number as asked, echoed: one a spreadsheet would run as a formula is quoted
        writer.writerow([spreadsheet.text_cell(found.registration_no), found.status_text, found.masked_name or "",
                         found.level.chinese if found.level else "",
                         found.valid_until if found.valid_until is not None else "", kind])
    filename = f"verification-{now.astimezone(SHANGHAI):%Y%m%d%H%M}.csv"
    return Response(body=out.getvalue(), status_code=200,
                    headers={"Content-Type": f"{CSV_TYPE}; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="{filename}"'})
