"""Who a practitioner is and how to reach them: ID numbers, names, phones, postal codes, districts.

Every parser takes what a person (or an operator's CSV) typed, returns the one
canonical form the rest of the system stores and compares, or raises
`ValidationError` whose `details` name the field with a reason in Chinese the
applicant can act on. Callers pass `field=` so the reason lands on their own
field name (e.g. `mailing_address.phone`).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from operator import mul

from chalicelib.domain import texts
from chalicelib.domain.errors import ValidationError

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

NAME_MAX_LENGTH = 50
MIDDLE_DOT = "\u00b7"
# Look-alikes of the interpunct that IMEs and Japanese/Taiwanese fonts produce for
# the same keystroke; U+2027 (hyphenation point) is what Taiwanese systems use.
_DOT_LOOKALIKES = {"\u30fb": MIDDLE_DOT, "\u2022": MIDDLE_DOT, "\uff65": MIDDLE_DOT, "\u2027": MIDDLE_DOT}
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# 〇 is a number (category Nl) by Unicode but a character in real Chinese names.
_NAME_EXTRA_CHARS = frozenset({MIDDLE_DOT, "\u3007"})
# The common case, checked first so a 100,000-row import stays fast: ideographs of the
# basic CJK block are letters and have no decomposition, so they are already NFC.
_PLAIN_CJK_NAME = re.compile(rf"[\u4e00-\u9fff]{{1,{NAME_MAX_LENGTH}}}")

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_SEPARATORS = re.compile(r"[-\u2010\u2011\u2012\u2013\u2014]")
_POSTAL_CODE = re.compile(r"[0-9]{6}")

BEIJING_DISTRICTS: tuple[str, ...] = (
    "东城区", "西城区", "朝阳区", "丰台区", "石景山区", "海淀区", "门头沟区", "房山区",
    "通州区", "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区",
)


def _refuse(field: str, reason: str, **params: object) -> ValidationError:
    """The ValidationError naming `field`, with the reason `texts.REASONS[reason]`."""
    return ValidationError(details={field: texts.reason(reason, **params)})


def _compact(raw: object, field: str, wrong_shape: str) -> str:
    """NFKC (full-width digits and letters become ASCII) with every whitespace removed.

    None is "not filled in" (empty); any other non-string, such as a JSON
    number, is refused with the reason `wrong_shape` (a name in `texts.REASONS`).
    """
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise _refuse(field, wrong_shape)
    return "".join(unicodedata.normalize("NFKC", raw).split())


def check_char(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _ID_CHECK_CHARS[sum(map(mul, map(int, body17), _ID_WEIGHTS)) % 11]


def parse_id_number(raw: object, *, field: str = "id_number", today: date | None = None) -> str:
    """An 18-character resident ID number (GB 11643-1999) in canonical form.

    Decision: input is NFKC-normalised (full-width digits and Ｘ become ASCII) and
    every whitespace character, U+3000 included, is removed before checking,
    because both come from Chinese IMEs and copy-paste rather than from a wrong
    number; a lower-case `x` becomes `X`. Anything else that is not a digit is
    refused. The birth date must exist (1900-02-29 does not) and, when `today`
    is given, must not be after it. The last character must be the ISO 7064
    MOD 11-2 check character.
    """
    value = _compact(raw, field, "ID_NUMBER_SHAPE")
    if not value:
        raise _refuse(field, "ID_NUMBER_REQUIRED")
    value = value.upper()
    if not _ID_SHAPE.fullmatch(value):
        raise _refuse(field, "ID_NUMBER_SHAPE")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _refuse(field, "ID_NUMBER_BIRTH_DATE") from None
    if born.year < 1900 or (today is not None and born > today):
        raise _refuse(field, "ID_NUMBER_BIRTH_DATE")
    if check_char(value[:17]) != value[17]:
        raise _refuse(field, "ID_NUMBER_CHECK_CHAR")
    return value


def gender_of(id_number: str) -> str:
    """"male" or "female": the 17th digit (the sequence number) is odd for men."""
    return "male" if int(id_number[16]) % 2 else "female"


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


# --- masking: the one rule for each kind of personal data, wherever it is shown or logged ---------

# An ID number or a mobile number inside free text (a log line, an admin's note), not glued to other digits.
_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_MOBILE_IN_TEXT = re.compile(r"(?:(?<=\+86)|(?<![0-9]))1[3-9][0-9]{9}(?![0-9])")


def mask_id_number(id_number: str) -> str:
    """Region code and last four shown, birth date and sequence hidden: 110101********7715."""
    return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"


def mask_phone(phone: str) -> str:
    """The network prefix and the last four: 138****5678."""
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name: str) -> str:
    """The family name and one star (周*): enough to match a person in front of you,
    without telling a stranger the full name or even its length."""
    return f"{name[0]}*" if name else "*"


def mask_pii(text: str) -> str:
    """`text` with every ID number and mobile number in it masked (`mask_id_number`, `mask_phone`):
    enough kept to tell records apart, never enough to identify. For logs and audit summaries."""
    text = _ID_NUMBER_IN_TEXT.sub(lambda found: mask_id_number(found.group()), text)
    return _MOBILE_IN_TEXT.sub(lambda found: mask_phone(found.group()), text)


def normalize_name(raw: object, *, field: str = "name") -> str:
    """A person's name as it is printed on the certificate.

    NFC-normalised (never NFKC: that would rewrite rare characters) and stripped
    of surrounding whitespace; the interpunct's look-alikes (U+30FB, U+2022,
    U+FF65, U+2027) become U+00B7 '·', which may not lead, trail or repeat.
    Decision: only letters (Unicode category L*, which covers every CJK
    ideograph in and beyond the BMP, and Latin letters), '〇' and '·' are
    allowed — no spaces, digits, zero-width or control characters, since a
    name on the register of Chinese resident-ID holders never needs them. Rare
    characters outside GB2312 (䶮, 𪚥) are kept code point for code point.
    At most NAME_MAX_LENGTH code points.
    """
    if not isinstance(raw, str):
        raise _refuse(field, "NAME_REQUIRED")
    value = raw.strip()
    if _PLAIN_CJK_NAME.fullmatch(value):
        return value
    value = unicodedata.normalize("NFC", value)
    if not value:
        raise _refuse(field, "NAME_REQUIRED")
    if any(ch in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise _refuse(field, "NAME_INVISIBLE")
    value = "".join(_DOT_LOOKALIKES.get(ch, ch) for ch in value)
    if value.startswith(MIDDLE_DOT) or value.endswith(MIDDLE_DOT) or MIDDLE_DOT * 2 in value:
        raise _refuse(field, "NAME_MIDDLE_DOT")
    if any(ch not in _NAME_EXTRA_CHARS and not unicodedata.category(ch).startswith("L") for ch in value):
        raise _refuse(field, "NAME_CHARACTERS")
    if len(value) > NAME_MAX_LENGTH:
        raise _refuse(field, "NAME_TOO_LONG", max_length=NAME_MAX_LENGTH)
    return value


def parse_mobile(raw: object, *, field: str = "phone") -> str:
    """A mainland mobile number as 11 ASCII digits.

    Full-width input is normalised; whitespace and hyphens are dropped; a leading
    +86, 0086 or 86 country code is removed.
    """
    value = _MOBILE_SEPARATORS.sub("", _compact(raw, field, "MOBILE_SHAPE"))
    if not value:
        raise _refuse(field, "MOBILE_REQUIRED")
    for prefix in ("+86", "0086", "86"):
        if value.startswith(prefix) and len(value) == len(prefix) + 11:
            value = value[len(prefix):]
            break
    if not _MOBILE.fullmatch(value):
        raise _refuse(field, "MOBILE_SHAPE")
    return value


def parse_postal_code(raw: object, *, field: str = "postal_code") -> str:
    """Six ASCII digits (full-width input normalised, whitespace dropped)."""
    value = _compact(raw, field, "POSTAL_CODE_SHAPE")
    if not value:
        raise _refuse(field, "POSTAL_CODE_REQUIRED")
    if not _POSTAL_CODE.fullmatch(value):
        raise _refuse(field, "POSTAL_CODE_SHAPE")
    return value


def parse_district(raw: object, *, field: str = "district") -> str:
    """One of Beijing's 16 districts, always with its trailing 区 ("海淀" → "海淀区")."""
    value = _compact(raw, field, "DISTRICT_UNKNOWN")
    if not value:
        raise _refuse(field, "DISTRICT_REQUIRED")
    for candidate in (value, f"{value}区"):
        if candidate in BEIJING_DISTRICTS:
            return candidate
    raise _refuse(field, "DISTRICT_UNKNOWN")


def clean_text(raw: object, *, field: str, label: str, max_length: int) -> str:
    """Free text (employer, address, course…): NFC, trimmed, no control or zero-width characters."""
    if not isinstance(raw, str) or not raw.strip():
        raise _refuse(field, "REQUIRED", label=label)
    value = unicodedata.normalize("NFC", raw.strip())
    if any(ch in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise _refuse(field, "TEXT_INVISIBLE", label=label)
    if len(value) > max_length:
        raise _refuse(field, "TEXT_TOO_LONG", label=label, max_length=max_length)
    return value
