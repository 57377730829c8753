"""The docs stand on their own and the runbook cannot rot.

- Every link in README.md and docs/ stays inside the repository: a relative link
  names a file (and heading) that exists; nothing climbs out of the clone, and no
  web address is linked unless `OFFICIAL_REFERENCES` lists it (it lists none).
- Every command in a fenced block of docs/operations.md is one the deploy
  rehearsal or the test suite runs:
  - `swreg …` parses with `chalicelib.cli.build_parser()`, and its subcommand
    (`jobs dlq list`) is run by a test or by the rehearsal;
  - `make TARGET` names a target of the Makefile;
  - `chalice …` is run by the rehearsal, every word of it;
  - any other program (`aws`, `git`, `curl`) fails: the suite runs none of them.
"""
from __future__ import annotations

import ast
import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from chalicelib.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RUNBOOK = DOCS / "operations.md"
# Web addresses a doc may link to. None so far: the repository explains itself.
OFFICIAL_REFERENCES: frozenset[str] = frozenset()

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>```+|~~~+)(?P<info>[^\n]*)\n"
                    r"(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(?P<target>\S+?)>?(?:\s|$)", re.MULTILINE)
_AUTOLINK = re.compile(r"<(?P<target>[a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]+)>")
_BARE_URL = re.compile(r"(?P<target>(?:https?|ftp)://[^\s)<>\]]+)")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.+?)[ \t#]*$", re.MULTILINE)


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def _without_code(text: str) -> str:
    """The prose: fenced blocks and code spans blanked (a path in code is not a link)."""
    text = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return _CODE_SPAN.sub("", text)


def links(text: str) -> list[str]:
    """Every link target in a Markdown text: inline, reference definitions, autolinks, bare web addresses."""
    prose = _without_code(text)
    found = [m.group("target") for pattern in (_INLINE_LINK, _REFERENCE_DEFINITION, _AUTOLINK)
             for m in pattern.finditer(prose)]
    found += [m.group("target") for m in _BARE_URL.finditer(_AUTOLINK.sub("", _INLINE_LINK.sub("", prose)))]
    return found


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to hyphens,
    a repeated anchor suffixed -1, -2, …"""
    anchors: set[str] = set()
    for match in _HEADING.finditer(_FENCE.sub("", text)):
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", match.group("text")).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in anchors:
            n += 1
            anchor = f"{slug}-{n}"
        anchors.add(anchor)
    return anchors


def link_problem(source: Path, target: str, root: Path = ROOT) -> str | None:
    """Why `target`, linked from `source`, points outside the repository or nowhere; None when it is fine."""
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target):
        if target in OFFICIAL_REFERENCES:
            return None
        return "a web or other non-file address not in OFFICIAL_REFERENCES"
    path_part, _, anchor = target.partition("#")
    if path_part.startswith("/"):
        return "an absolute path: link relative to the file instead"
    resolved = (source.parent / path_part).resolve() if path_part else source.resolve()
    if not resolved.is_relative_to(root.resolve()):
        return "climbs out of the repository"
    if not resolved.exists():
        return "names a file that does not exist"
    if anchor and resolved.suffix == ".md" and anchor not in heading_anchors(resolved.read_text(encoding="utf-8")):
        return f"names a heading #{anchor} that {resolved.relative_to(root.resolve())} does not have"
    return None


# --- links ----------------------------------------------------------------------------------------

def test_every_link_in_readme_and_docs_stays_inside_the_repository():
    problems = [f"{source.relative_to(ROOT)}: {target} — {why}"
                for source in markdown_files()
                for target in links(source.read_text(encoding="utf-8"))
                if (why := link_problem(source, target)) is not None]
    assert not problems, "\n".join(problems)


def test_the_link_check_refuses_escapes_web_addresses_missing_files_and_headings(tmp_path):
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "page.md"
    page.write_text("# A title\n\n## Second part\n", encoding="utf-8")
    (tmp_path / "other.md").write_text("# Other\n", encoding="utf-8")
    verdicts = {target: link_problem(page, target, root=tmp_path) for target in (
        "../other.md", "../other.md#other", "#second-part", "../../shared/SPEC.md", "https://example.com/",
        "missing.md", "/etc/passwd", "#nowhere", "../other.md#nowhere", "mailto:ops@example.cn")}
    assert [target for target, why in verdicts.items() if why is None] == [
        "../other.md", "../other.md#other", "#second-part"]


def test_links_are_found_in_prose_but_not_in_code():
    text = ("See [the spec](../shared/SPEC.md), <https://a.example/> and https://b.example/x.\n"
            "[ref]: ../up.md\n\n`[not](a-link.md)` and\n\n```sh\ncat [x](y.md) https://c.example/\n```\n")
    assert sorted(links(text)) == ["../shared/SPEC.md", "../up.md", "https://a.example/", "https://b.example/x."]


def test_readme_links_to_each_page_of_docs_and_names_the_runbook():
    readme = ROOT / "README.md"
    linked = {(readme.parent / target.partition("#")[0]).resolve()
              for target in links(readme.read_text(encoding="utf-8")) if not link_problem(readme, target)}
    assert {page.resolve() for page in DOCS.glob("*.md")} <= linked
    assert RUNBOOK.resolve() in linked


def test_readme_quick_start_is_the_two_commands():
    blocks = [m.group("body") for m in _FENCE.finditer((ROOT / "README.md").read_text(encoding="utf-8"))]
    assert blocks[0].splitlines() == [
        "make run    # the whole service on this machine, with demo data; Ctrl-C stops everything",
        "make test   # installs what is missing and runs every test",
    ]


# --- the runbook's commands -----------------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    line: int
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"operations.md:{self.line}: {shlex.join(self.words)}"


def runbook_blocks(text: str) -> list[tuple[str, int, str]]:
    """(info string, first line number, body) of every fenced block."""
    return [(m.group("info").strip(), text.count("\n", 0, m.start()) + 2, m.group("body"))
            for m in _FENCE.finditer(text)]


def commands(block: tuple[str, int, str]) -> list[Command]:
    """The commands of one `sh` block: continuations joined, comments and prompts dropped,
    leading VAR=value assignments dropped."""
    _, first, body = block
    found, pending, start = [], "", first
    for number, raw in enumerate(body.splitlines(), start=first):
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        words = shlex.split(pending + raw, comments=True)
        pending = ""
        if words and words[0] == "$":
            words = words[1:]
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            words = words[1:]
        if words:
            found.append(Command(start, tuple(words)))
    return found


REHEARSAL = ("devstack/*rehearsal*.py", "infra/*rehearsal*.py")
TESTS_AND_REHEARSAL = ("tests/**/*.py", *REHEARSAL)


@cache
def argv_runs(*patterns: str) -> tuple[tuple[str, ...], ...]:
    """`_string_runs` of every Python file matching `patterns`, read once per session."""
    files = sorted({path for pattern in patterns for path in ROOT.glob(pattern)
                    if path.is_file() and "__pycache__" not in path.parts})
    return tuple(run for path in files
                 for run in _string_runs(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))


def _string_runs(tree: ast.Module) -> list[tuple[str, ...]]:
    """Every run of consecutive string literals in a list, tuple or call's arguments (an argv), and
    every other string literal split like a shell line. Docstrings and comments say, they do not run:
    they are left out."""
    docstrings = {id(node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    runs: list[tuple[str, ...]] = []
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        items = (node.elts if isinstance(node, (ast.List, ast.Tuple))
                 else node.args if isinstance(node, ast.Call) else None)
        if items is not None:
            run: list[str] = []
            for item in [*items, None]:
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    run.append(item.value)
                elif run:
                    runs.append(tuple(run))
                    run = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                runs.append(tuple(shlex.split(node.value)))
            except ValueError:
                continue
    return runs


def _contains(run: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(run[i:i + len(part)] == part for i in range(len(run) - len(part) + 1))


def swreg_subcommand(words: tuple[str, ...]) -> tuple[str, ...]:
    """The subcommand path of an argv (`("jobs", "dlq", "list")`), options and their values skipped."""
    parser, path, rest = build_parser(), [], list(words[1:])
    while rest:
        word = rest.pop(0)
        if word.startswith("-"):
            action = parser._option_string_actions.get(word.split("=")[0])
            if action is not None and action.nargs != 0 and "=" not in word and rest:
                rest.pop(0)
            continue
        choices = next((a.choices for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"), None)
        if not choices or word not in choices:
            break
        path.append(word)
        parser = choices[word]
    return tuple(path)


def swreg_problem(words: tuple[str, ...]) -> str | None:
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(list(words[1:]))
    except SystemExit as exc:
        if exc.code:
            return "does not parse with chalicelib.cli.build_parser()"
    path = swreg_subcommand(words)
    if not any(_contains(run, path) for run in argv_runs(*TESTS_AND_REHEARSAL)):
        return f"no test and not the rehearsal runs `swreg {' '.join(path)}`"
    return None


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {target for match in re.finditer(r"^([A-Za-z0-9_.\- ]+):(?!=)", makefile, re.MULTILINE)
            for target in match.group(1).split()}


def make_problem(words: tuple[str, ...]) -> str | None:
    targets = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
    missing = [target for target in targets if target not in make_targets()]
    return f"the Makefile has no target {', '.join(missing)}" if missing else None


def chalice_problem(words: tuple[str, ...]) -> str | None:
    said = {word for run in argv_runs(*REHEARSAL) for word in run}
    if not said:
        return "there is no rehearsal script (devstack/*rehearsal*.py or infra/*rehearsal*.py)"
    unsaid = [word for word in words[1:] if word not in said]
    return f"the rehearsal never says {', '.join(unsaid)}" if unsaid else None


RULES = {"swreg": swreg_problem, ".venv/bin/swreg": swreg_problem, "make": make_problem,
         "chalice": chalice_problem, ".venv/bin/chalice": chalice_problem}


def command_problem(words: tuple[str, ...]) -> str | None:
    """Why the suite does not vouch for this command; None when it does."""
    rule = RULES.get(words[0])
    return rule(words) if rule else "a program neither the rehearsal nor the tests run"


def runbook_commands() -> list[Command]:
    return [command for block in runbook_blocks(RUNBOOK.read_text(encoding="utf-8")) for command in commands(block)]


def test_every_fenced_block_of_the_runbook_is_shell_commands():
    blocks = runbook_blocks(RUNBOOK.read_text(encoding="utf-8"))
    others = [f"operations.md:{line}: ```{info}" for info, line, _ in blocks if info != "sh"]
    assert not others, "every fenced block of the runbook is ```sh, so the test below reads it:\n" + "\n".join(others)


def test_the_runbook_has_commands_of_each_kind_it_relies_on():
    programs = {RULES.get(command.words[0]) for command in runbook_commands()}
    assert {swreg_problem, make_problem, chalice_problem} <= programs


def test_every_runbook_command_is_one_the_rehearsal_or_the_tests_run():
    problems = [f"{command} — {why}" for command in runbook_commands()
                if (why := command_problem(command.words)) is not None]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("line, verdict", [
    ("swreg --stage test outbox list --dead", None),
    ("swreg outbox frobnicate", "does not parse"),
    ("make no-such-target", "the Makefile has no target no-such-target"),
    ("chalice deploy --stage prod", None),
    ("chalice deploy --stage prod --profile ops", "the rehearsal never says --profile, ops"),
    ("aws ssm delete-parameter --name /swreg/prod/jwt-signing-key", "a program"),
])
def test_the_command_check_tells_real_commands_from_invented_ones(line, verdict):
    why = command_problem(tuple(shlex.split(line)))
    assert why is None if verdict is None else why.startswith(verdict)


def test_argv_found_in_code_counts_but_a_command_a_docstring_mentions_does_not():
    tree = ast.parse('"""Runs `swreg jobs dlq list`."""\nmain(["--stage", "test", "outbox", "retry", row])\n')
    runs = _string_runs(tree)
    assert any(_contains(run, ("outbox", "retry")) for run in runs)
    assert not any(_contains(run, ("dlq", "list")) for run in runs)
