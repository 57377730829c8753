"""Logs never carry ID numbers or phone numbers."""
import io
import json
import logging

from chalicelib.observability import logger, mask_pii


def test_id_numbers_and_mobiles_are_masked():
    text = mask_pii("id 11010519491231002X and 110101199003077715, phone 13812345678")
    assert "11010519491231002X" not in text and "110101199003077715" not in text
    assert "13812345678" not in text
    assert "110105********002X" in text and "138****5678" in text


def test_mobiles_with_the_country_code_are_masked_too():
    assert mask_pii("to +8613812345678") == "to +86138****5678"


def test_longer_digit_runs_are_left_alone():
    assert mask_pii("order 1381234567890") == "order 1381234567890"


def test_the_service_logger_masks_messages_extra_keys_and_exceptions():
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("bad id 110101199003077715")
        except ValueError:
            logger.exception("applicant 13812345678 failed", extra={"phone": "13912345678"})
    finally:
        logger.removeHandler(handler)
    line = buffer.getvalue().strip().splitlines()[-1]
    record = json.loads(line)
    assert "13812345678" not in line and "13912345678" not in line and "110101199003077715" not in line
    assert record["phone"] == "139****5678"
