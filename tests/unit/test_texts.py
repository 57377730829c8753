"""Every sentence a person reads comes from `domain/texts.py`, in Chinese; every error message
tells the user what to do next.

The tables are checked as data (each template is Chinese and renders; an error message
ends a sentence and says what to do), and the code is checked as text: an AST walk over
chalicelib/ and app.py finds every `DomainError` subclass, every code it is raised or
declared with, every raise that still passes a sentence of its own instead of a code,
every text name asked of the tables, and any Chinese string outside texts.py but the
vocabulary `VOCABULARY` allows by name.
"""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from chalicelib.domain import texts
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.application_form import ADDRESS_LABELS, FIELD_LABELS
from chalicelib.domain.errors import InvalidTransitionError, RateLimitedError, ValidationError
from chalicelib.domain.materials import MaterialKind
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
    "label": "工作单位", "material": "两寸免冠照片", "type": "首登记", "level": "社会工作师",
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


# --- reasons: the values of an error's details ----------------------------------------------

REASON_TABLES = {"REASONS": (texts.REASONS, texts.reason),
                 "ELIGIBILITY_REASONS": (texts.ELIGIBILITY_REASONS, texts.eligibility_reason)}
ALL_REASONS = [(table, name) for table, (entries, _) in REASON_TABLES.items() for name in sorted(entries)]


@pytest.mark.parametrize("table, name", ALL_REASONS)
def test_every_reason_is_chinese_and_renders_with_named_parameters(table, name):
    entries, render = REASON_TABLES[table]
    fields = _fields(entries[name])
    assert all(field and field.isidentifier() for field in fields), f"{name}: positional or odd placeholder"
    rendered = render(name, **{field: SAMPLES.get(field, SAMPLE) for field in fields})
    assert "{" not in rendered and "}" not in rendered and CJK.search(rendered), f"{name}: {rendered!r}"
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name)


def test_a_reason_is_filled_from_its_parameters():
    assert texts.reason("FIELD_TOO_LONG", limit=40) == "不能超过40个字"
    assert texts.eligibility_reason("RENEWAL_DUE", last=2023, until=2026) == "您于2023年登记，有效期至2026年，本年度应进行再登记。"


@pytest.mark.parametrize("name", sorted(texts.HISTORY_NOTES))
def test_every_history_note_is_chinese_and_renders_with_named_parameters(name):
    fields = _fields(texts.HISTORY_NOTES[name])
    assert all(field and field.isidentifier() for field in fields), f"{name}: positional or odd placeholder"
    rendered = texts.history_note(name, **{field: SAMPLES.get(field, SAMPLE) for field in fields})
    assert "{" not in rendered and "}" not in rendered and CJK.search(rendered), f"{name}: {rendered!r}"
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name)


def test_a_history_note_is_filled_from_its_parameters():
    assert texts.history_note("CERTIFIED", registration_no="BJ2030000123") == "发放电子证书 BJ2030000123"


def test_every_part_of_a_decision_has_a_chinese_label():
    assert set(texts.DECISION_LABELS) == {"opinion", "note", "reason"}  # reason: a reconsideration's
    assert all(CJK.search(label) for label in texts.DECISION_LABELS.values())


def test_every_item_a_form_or_a_review_can_name_has_a_label():
    items = {*FIELD_LABELS, *(f"mailing_address.{part}" for part in ADDRESS_LABELS),
             *(kind.value for kind in MaterialKind)}
    assert items == set(texts.ITEM_LABELS)
    assert all(CJK.search(label) for label in texts.ITEM_LABELS.values())


def test_every_eligibility_verdict_an_applicant_can_get_has_a_sentence_that_says_why():
    codes = {node.args[3].value for path, tree in TREES if path.name == "eligibility.py" for node in ast.walk(tree)
             if isinstance(node, ast.Call) and _name(node.func) == "_verdict" and len(node.args) > 3
             and isinstance(node.args[3], ast.Constant)}
    assert codes == set(texts.ELIGIBILITY_REASONS)


# Calls whose upper-case string arguments name a text: `texts.reason("FIELD_TOO_LONG")` and the
# helpers that pass a reason's name on to it (`_refuse(field, "NAME_REQUIRED")`).
TEXT_NAME_TAKERS = {"reason", "eligibility_reason", "error_message", "history_note", "_refuse", "_compact",
                    "refuse", "_verdict"}
TEXT_NAMES = set(texts.ERRORS) | set(texts.REASONS) | set(texts.ELIGIBILITY_REASONS) | set(texts.HISTORY_NOTES)


def test_every_text_name_the_code_asks_for_is_in_a_table():
    unknown = [f"{_where(path, node)} {_name(node.func)}({argument.value!r})"
               for path, tree in TREES for node in ast.walk(tree)
               if isinstance(node, ast.Call) and _name(node.func) in TEXT_NAME_TAKERS
               for argument in node.args
               if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
               and re.fullmatch(r"[A-Z][A-Z0-9_]+", argument.value) and argument.value not in TEXT_NAMES]
    assert unknown == [], "text names missing from texts.py:\n" + "\n".join(unknown)


# --- no sentence outside texts.py -------------------------------------------------------------

# Chinese that stays beside the code that uses it: vocabulary (the names of things, not
# sentences), by module and by the name that holds it (a top-level assignment, a function, or a
# method as `Class.method`); "*" is the whole module. Shrink it as the names move to texts.py.
VOCABULARY: dict[str, set[str]] = {
    # the public guide (办事指南): a document of its own, served as it is written
    "chalicelib/domain/guide.py": {"*"},
    # demo seed data: people, courses and training providers
    "chalicelib/services/demo.py": {"*"},
    # the OpenAPI document's title and the PDF's author
    "chalicelib/handlers/openapi.py": {"document"},
    "chalicelib/adapters/certificate_render.py": {"_pdf"},
    # the API documentation of a route names the page it serves (我的消息)
    "chalicelib/handlers/applicant.py": {"list_messages"},
    # levels, districts, registration types, pickup methods, reissue reasons
    "chalicelib/domain/levels.py": {"_CHINESE"},
    "chalicelib/domain/identity.py": {"BEIJING_DISTRICTS", "parse_district"},
    "chalicelib/domain/eligibility.py": {"_TYPE_CHINESE", "PickupMethod.chinese", "_REISSUE_CHINESE"},
    # the states of a material's upload
    "chalicelib/domain/materials.py": {"_STATUS_CHINESE"},
    # the register's columns, as an import report names them
    "chalicelib/domain/register.py": {"parse_hours", "parse_practitioner", "parse_registration", "parse_ce_record"},
    # what an e-certificate prints, and its states
    "chalicelib/domain/certificates.py": {"ISSUING_AUTHORITY", "CertificateStatus.chinese",
                                          "Certificate.gender_chinese", "TITLE", "SUBTITLE", "VERIFY_HINT",
                                          "printed_fields"},
}


def _docstrings(tree: ast.Module) -> set[int]:
    """Bare string statements (docstrings, comments in quotes): read by programmers, not users."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)}


def _chinese_literals(tree: ast.Module):
    """(owner, node) for every string literal with Chinese in it, docstrings left out; the owner
    is the innermost function or class (`Class.method`), or the top-level assignment's target."""
    skip = _docstrings(tree)

    def visit(node: ast.AST, owner: str):
        for child in ast.iter_child_nodes(node):
            name = owner
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{owner}.{child.name}" if owner != "<module>" else child.name
            elif owner == "<module>" and isinstance(child, (ast.Assign, ast.AnnAssign)):
                target = child.targets[0] if isinstance(child, ast.Assign) else child.target
                name = _name(target) or owner
            if (isinstance(child, ast.Constant) and isinstance(child.value, str) and id(child) not in skip
                    and CJK.search(child.value)):
                yield name, child
            yield from visit(child, name)

    yield from visit(tree, "<module>")


def _module(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_sentence_a_person_reads_is_written_outside_texts_py():
    """A sentence written beside the rule is one texts.py cannot show, review or keep in one
    voice: it goes into a table there, named, and the code asks for it by name."""
    offenders = [f"{_where(path, node)} in {owner}: {node.value[:40]!r}"
                 for path, tree in TREES if path != ROOT / "chalicelib/domain/texts.py"
                 for owner, node in _chinese_literals(tree)
                 if not ({"*", owner} & VOCABULARY.get(_module(path), set()))]
    assert offenders == [], "Chinese outside texts.py (move it into a table there):\n" + "\n".join(offenders)


def test_every_name_the_vocabulary_allows_still_holds_chinese():
    """So the allowance shrinks with the code: a name whose Chinese has moved leaves the list."""
    held = {(_module(path), owner) for path, tree in TREES for owner, _ in _chinese_literals(tree)}
    modules = {module for module, _ in held}
    stale = [f"{module}: {owner}" for module, owners in VOCABULARY.items() for owner in owners
             if (owner == "*" and module not in modules) or (owner != "*" and (module, owner) not in held)]
    assert stale == [], "allowed but holding no Chinese (remove from VOCABULARY):\n" + "\n".join(stale)
