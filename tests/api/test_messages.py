"""The message catalogue is complete: every message the service can show has its Chinese, every
error code its two texts, and no message is built where the catalogue cannot see it.

The source of app/, schema/ and authz/ is read (ast) for the places a message is made: the
template a call passes must be a plain string literal, the catalogue's key (app/messages.py).
"""

from __future__ import annotations

import ast
import csv
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import pytest

from app.auth import errors as auth_errors
from app.domain.absences import REJECTION_MESSAGES, Rejection, rejection_message
from app.domain.workflow import CaseAction, WorkflowError, WorkflowErrorCode
from app.enums import CaseStage
from app.i18n import Term, describe, negotiate, translate, use_language
from app.messages import CHINESE, CODES, TERMS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app", "schema", "authz")

# Callables that take a message template: name → (position of the error code or None,
# position and keyword of the template). A template is a string literal; a variable is
# allowed only as a template chosen elsewhere (marked N_("…") where it is written).
TEMPLATE_CALLS: dict[str, tuple[int | None, int, str]] = {
    "Problem": (0, 2, "message"),
    "refuse": (0, 2, "message"),
    "QueryError": (0, 1, "message"),
    "AuthError": (0, 1, "template"),
    "CsvError": (None, 0, "template"),
    "InvalidIdNumber": (None, 1, "template"),
    "translate": (None, 0, "template"),
    "N_": (None, 0, "template"),
    "_problem": (1, 2, "message"),  # app/web/exports.py
    "_error": (1, 0, "message"),  # schema/core/persisted.py
    "RequestError": (1, 2, "message"),  # app/web/graphql_request.py
    "UnreadableFile": (None, 0, "template"),  # app/domain/imports.py
}
# Callables that take text already rendered for people: never a literal.
RENDERED_CALLS = {"UserError": (2, "message"), "GraphQLError": (0, "message")}
CHINESE_CHARACTER = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Site:
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Scan:
    templates: dict[str, list[Site]]
    codes: dict[str, list[Site]]
    record_kinds: set[str]
    violations: list[str]


def _name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _argument(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    for given in call.keywords:
        if given.arg == keyword:
            return given.value
    if position is not None and position < len(call.args):
        return call.args[position]
    return None


def _strings(node: ast.AST) -> Iterator[str]:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            yield inner.value


def _error_body(node: ast.Dict) -> bool:
    keys = {key.value for key in node.keys if isinstance(key, ast.Constant)}
    return {"code", "message"} <= keys


def _is_literal_text(node: ast.expr) -> bool:
    """Text written in place: a literal, an f-string, or strings glued together."""
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return True
    return isinstance(node, ast.BinOp) and any(True for _ in _strings(node))


def _template(node: ast.expr, site: Site, scan: Scan) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        scan.templates.setdefault(node.value, []).append(site)
    elif isinstance(node, ast.IfExp):
        _template(node.body, site, scan)
        _template(node.orelse, site, scan)
    elif isinstance(node, ast.Call) and _name(node) in ("translate", "N_"):
        pass  # checked as a call of its own
    elif not isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        scan.violations.append(
            f"{site}: a message must be a literal template, not {ast.unparse(node)!r}"
        )


def _codes(node: ast.AST | None, site: Site, scan: Scan) -> None:
    for code in _strings(node) if node is not None else ():
        scan.codes.setdefault(code, []).append(site)


def _code_entries(node: ast.Dict, site: Site, scan: Scan) -> None:
    for key, value in zip(node.keys, node.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "code":
            _codes(value, site, scan)


def _visit_call(call: ast.Call, site: Site, scan: Scan) -> None:
    name = _name(call)
    for given in call.keywords:
        if given.arg == "extensions" and isinstance(given.value, ast.Dict):
            _code_entries(given.value, site, scan)
    if name in TEMPLATE_CALLS:
        code_position, position, keyword = TEMPLATE_CALLS[name]
        template = _argument(call, position, keyword)
        if template is not None:
            _template(template, site, scan)
        if code_position is not None:
            _codes(_argument(call, code_position, "code"), site, scan)
    elif name in RENDERED_CALLS:
        rendered = _argument(call, *RENDERED_CALLS[name])
        if rendered is not None and _is_literal_text(rendered):
            scan.violations.append(
                f"{site}: {name} takes rendered text; use a template "
                f"(Problem(…).render(), translate(…)): {ast.unparse(rendered)!r}"
            )
    elif name == "load_visible" and len(call.args) == 5:
        scan.record_kinds.update(_strings(call.args[4]))
    elif name == "not_found" and len(call.args) == 2:
        scan.record_kinds.update(_strings(call.args[1]))
    elif name == "load_for_write":
        what = _argument(call, None, "what")
        if what is not None:
            scan.record_kinds.update(_strings(what))


def scan_sources() -> Scan:
    """Every template, error code and record kind the source names, and every message made
    where the catalogue cannot see it."""
    scan = Scan(templates={}, codes={}, record_kinds=set(), violations=[])
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                site = Site(relative, getattr(node, "lineno", 0))
                if isinstance(node, ast.Dict) and _error_body(node):
                    # An error written as JSON: {"code": …, "message": …}.
                    _code_entries(node, site, scan)
                elif isinstance(node, ast.Call):
                    _visit_call(node, site, scan)
    return scan


SCAN = scan_sources()


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_the_scan_finds_the_message_sites() -> None:
    # A scan that found nothing would pass every test below.
    assert len(SCAN.templates) > 80
    assert {"REQUIRED", "VERSION_CONFLICT", "RATE_LIMITED", "UNAUTHENTICATED"} <= set(SCAN.codes)
    assert {"child", "household", "case"} <= SCAN.record_kinds


def test_messages_are_literal_templates() -> None:
    assert SCAN.violations == []


@pytest.mark.parametrize("template", sorted(SCAN.templates))
def test_every_template_has_chinese_with_the_same_placeholders(template: str) -> None:
    sites = ", ".join(map(str, SCAN.templates[template]))
    chinese = CHINESE.get(template)
    assert chinese, f"add the Chinese of {template!r} ({sites}) to app/messages.py CHINESE"
    assert CHINESE_CHARACTER.search(chinese), chinese
    assert _placeholders(chinese) == _placeholders(template), template


def test_the_catalogue_has_no_unused_templates() -> None:
    assert sorted(set(CHINESE) - set(SCAN.templates)) == []


def _all_codes() -> set[str]:
    auth = {
        value
        for name, value in vars(auth_errors).items()
        if name.isupper() and isinstance(value, str)
    }
    return set(SCAN.codes) | auth | set(get_args(WorkflowErrorCode))


@pytest.mark.parametrize("code", sorted(_all_codes()))
def test_every_error_code_has_both_texts(code: str) -> None:
    assert code in CODES, f"add {code!r} (English, Chinese) to app/messages.py CODES"
    english, chinese = CODES[code]
    assert english and not CHINESE_CHARACTER.search(english), english
    assert CHINESE_CHARACTER.search(chinese), chinese
    assert _placeholders(english) == _placeholders(chinese) == set()


def test_the_catalogue_has_no_unused_codes() -> None:
    assert sorted(set(CODES) - _all_codes()) == []


def _policy_words() -> set[str]:
    with (ROOT / "authz" / "policy.csv").open(encoding="utf-8") as policy:
        rows = [[cell.strip() for cell in row] for row in csv.reader(policy) if row]
    return {word for row in rows if row[0] == "p" for word in (row[3].replace("_", " "), row[4])}


def test_every_term_has_chinese() -> None:
    # The words FORBIDDEN and NOT_FOUND put into their messages (authz/guard.py, not_found).
    words = _policy_words() | SCAN.record_kinds
    assert sorted(words - set(TERMS)) == []
    assert sorted(set(TERMS) - words) == []
    assert all(CHINESE_CHARACTER.search(chinese) for chinese in TERMS.values())


def test_every_rejection_has_a_message_in_both_languages() -> None:
    for reason in Rejection:
        assert reason in REJECTION_MESSAGES
        english, chinese = rejection_message(reason, "en"), rejection_message(reason, "zh")
        assert "{" not in english and "{" not in chinese
        assert CHINESE_CHARACTER.search(chinese) and english != chinese


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "zh"),
        ("", "zh"),
        ("zh-CN", "zh"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en", "en"),
        ("en-US", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("EN-us", "en"),
        ("fr-FR,en;q=0.5", "en"),
        ("fr-FR,de;q=0.5", "zh"),
        ("*", "zh"),
        ("zh;q=0.5,en;q=0.8", "en"),
        ("en;q=0.8,zh;q=0.8", "en"),  # a tie goes to the first listed
        ("en;q=0,zh-TW", "zh"),
        ("en;q=0", "zh"),
        ("en;q=bogus", "zh"),
    ],
)
def test_the_language_follows_accept_language(header: str | None, language: str) -> None:
    assert negotiate(header) == language


def test_chinese_is_the_default_and_english_is_the_template() -> None:
    template = "at most {maximum} characters"
    assert translate(template, {"maximum": 100}) == "最多 100 个字符"
    assert translate(template, {"maximum": 100}, "en") == "at most 100 characters"
    with use_language("en"):
        assert translate(template, {"maximum": 100}) == "at most 100 characters"
        assert describe("NOT_FOUND") == CODES["NOT_FOUND"][0]
    assert describe("NOT_FOUND") == CODES["NOT_FOUND"][1]


def test_enum_values_and_terms_are_named_in_the_language() -> None:
    error = WorkflowError("INVALID_TRANSITION", CaseStage.REPORTED, CaseAction.CLOSE)
    assert str(error) == "close is not allowed in stage reported"
    chinese = translate(error.template, error.params)
    assert CaseStage.REPORTED.label in chinese and CaseAction.CLOSE.label in chinese
    assert translate("no such {what}", {"what": Term("household")}, "en") == "no such household"
    assert TERMS["household"] in translate("no such {what}", {"what": Term("household")})


def test_a_template_missing_from_the_catalogue_stays_english() -> None:
    assert translate("not in the catalogue {x}", {"x": 1}) == "not in the catalogue 1"
