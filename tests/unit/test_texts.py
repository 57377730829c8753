"""Every error message comes from `texts.ERRORS`, in Chinese, and tells the user what to do next.

The table is checked as data (each template is Chinese, ends a sentence, says what
to do, and renders), and the code is checked as text: an AST walk over chalicelib/
finds every `DomainError` subclass, every code it is raised or declared with, and
every raise that still passes a sentence of its own instead of a code.
"""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from chalicelib.domain import texts
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.errors import InvalidTransitionError, RateLimitedError, ValidationError
from chalicelib.domain.outbox import OutboxStatus

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "chalicelib").rglob("*.py"), ROOT / "app.py"])
CJK = re.compile(r"[\u4e00-\u9fff]")
# What a message may say to tell the user what to do next, or what happens next.
# 申请 (application) and 请求 (request) contain 请 without asking anything.
INSTRUCTIONS = ("请", "无需", "再试", "重试", "将于", "将在")
# A sample value per template parameter; anything else gets SAMPLE.
SAMPLES = {
    "reason": "您已于2022年登记，不能再申请首登记。", "status": "已提交", "current": "已提交", "target": "提交",
    "reviewer": "审核员甲", "registration_no": "BJ2030000123", "year": 2030, "retry_after": 60,
    "max_kb": 256, "min_length": 8, "max_length": 100, "limit": 50,
}
SAMPLE = "7"


def _fields(template: str) -> list[str | None]:
    return [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]


def _tells_what_to_do(message: str) -> bool:
    text = message.replace("申请", "").replace("请求", "")
    return any(word in text for word in INSTRUCTIONS)


ALL_CODES = sorted(texts.ERRORS)


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_error_message_is_chinese(code):
    assert CJK.search(texts.ERRORS[code]), f"{code}: {texts.ERRORS[code]!r} has no Chinese"


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_error_message_is_a_sentence_that_says_what_to_do(code):
    message = texts.ERRORS[code]
    assert message.endswith("。"), f"{code}: {message!r} does not end in 。"
    assert _tells_what_to_do(message), f"{code}: {message!r} does not say what to do next (请…)"
    assert "。。" not in message


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_error_message_renders_with_named_parameters(code):
    template = texts.ERRORS[code]
    fields = _fields(template)
    assert all(field and field.isidentifier() for field in fields), f"{code}: positional or odd placeholder"
    rendered = texts.error_message(code, **{field: SAMPLES.get(field, SAMPLE) for field in fields})
    assert "{" not in rendered and "}" not in rendered and CJK.search(rendered)
    assert code == code.upper() and re.fullmatch(r"[A-Z][A-Z0-9_]*", code)


def test_an_error_raised_by_code_carries_its_message_and_parameters():
    error = RateLimitedError(code="VERIFY_TOO_FREQUENT", retry_after=42)
    assert (error.code, error.message) == ("VERIFY_TOO_FREQUENT", "查询过于频繁，请42秒后再试。")
    assert ValidationError(details={"phone": "请填写手机号"}).message == texts.ERRORS["VALIDATION_FAILED"]


@pytest.mark.parametrize("state, target", [
    *((s.value, t.value) for s in ApplicationStatus for t in ApplicationStatus),
    *((s.value, OutboxStatus.PENDING.value) for s in OutboxStatus),
])
def test_every_move_an_invalid_transition_can_name_reads_in_chinese(state, target):
    message = InvalidTransitionError(state, target).message
    assert re.search(r"[A-Za-z]", message) is None, message


# --- the code, read as text --------------------------------------------------------------

def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), str(path))) for path in SOURCES]


def _subclasses(trees, roots: set[str]) -> set[str]:
    """Every class defined in chalicelib/ that derives, however indirectly, from one of `roots`."""
    found = set(roots)
    classes = [node for _, tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    while True:
        more = {c.name for c in classes if c.name not in found and any(_name(b) in found for b in c.bases)}
        if not more:
            return found
        found |= more


TREES = _trees()
ERROR_CLASSES = _subclasses(TREES, {"DomainError"})
# InvalidTransitionError(current, target) takes two states, not a message.
STATE_PAIR_CLASSES = _subclasses(TREES, {"InvalidTransitionError"})


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def _error_calls():
    for path, tree in TREES:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in ERROR_CLASSES:
                yield path, node


def test_the_walk_finds_the_error_classes_and_their_raises():
    assert {"ValidationError", "RuleViolationError", "NotFoundError", "ConflictError", "InvalidTransitionError",
            "ConcurrentUpdateError", "RateLimitedError", "ServiceBusyError"} <= ERROR_CLASSES
    assert sum(1 for _ in _error_calls()) > 50


def test_every_code_an_error_is_raised_with_is_in_the_table():
    unknown = [f"{_where(path, node)} code={keyword.value.value!r}"
               for path, node in _error_calls() for keyword in node.keywords
               if keyword.arg == "code" and isinstance(keyword.value, ast.Constant)
               and keyword.value.value not in texts.ERRORS]
    assert unknown == [], "codes without a message in texts.ERRORS:\n" + "\n".join(unknown)


def test_every_error_classs_own_code_is_in_the_table():
    unknown = [f"{_where(path, node)} {cls.name}.code={node.value.value!r}"
               for path, tree in TREES for cls in ast.walk(tree)
               if isinstance(cls, ast.ClassDef) and cls.name in ERROR_CLASSES
               for node in cls.body
               if isinstance(node, ast.Assign) and [_name(t) for t in node.targets] == ["code"]
               and isinstance(node.value, ast.Constant) and node.value.value not in texts.ERRORS]
    assert unknown == [], "class codes without a message in texts.ERRORS:\n" + "\n".join(unknown)


def test_no_error_is_raised_with_a_sentence_of_its_own():
    """`raise ValidationError("bad code")` is how English crept into error messages: the message
    comes from texts.ERRORS by code, so an error takes no positional message at all."""
    offenders = [f"{_where(path, node)} {_name(node.func)}({ast.unparse(node.args[0])[:60]}, …)"
                 for path, node in _error_calls()
                 if node.args and _name(node.func) not in STATE_PAIR_CLASSES]
    assert offenders == [], "errors raised with a positional message:\n" + "\n".join(offenders)


def _literal_texts(node: ast.expr):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(part.value for part in node.values if isinstance(part, ast.Constant))


def test_every_reason_written_into_details_is_chinese():
    english = [f"{_where(path, node)} {text!r}"
               for path, node in _error_calls() for keyword in node.keywords
               if keyword.arg == "details" and isinstance(keyword.value, ast.Dict)
               for value in keyword.value.values for text in _literal_texts(value)
               if not CJK.search(text)]
    assert english == [], "details without Chinese:\n" + "\n".join(english)
