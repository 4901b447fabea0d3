"""The PostGraphile benchmark sends what it means to: the app's documents by persisted id with
the variables they declare, PostGraphile's equivalents well-formed, each body unchanged through
the wrk script, and wrk's figures read back (no network, no npm, no wrk here)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from typing import Any

import pytest
from graphql import NonNullTypeNode, OperationDefinitionNode, parse

from app.mobile_contract import load_manifest
from bench.postgraphile import Figures, main, operations, parse_wrk, wrk_script

VILLAGE = "420702100201"
CHILDREN = [uuid.UUID(int=1), uuid.UUID(int=2)]


def _operation(document: str) -> OperationDefinitionNode:
    (definition,) = parse(document).definitions
    assert isinstance(definition, OperationDefinitionNode)
    return definition


def _sends_what_it_declares(document: str, name: str, variables: dict[str, Any]) -> None:
    operation = _operation(document)
    assert operation.name is not None and operation.name.value == name
    definitions = operation.variable_definitions or ()
    declared = {d.variable.name.value for d in definitions}
    required = {
        d.variable.name.value
        for d in definitions
        if isinstance(d.type, NonNullTypeNode) and d.default_value is None
    }
    assert set(variables) <= declared
    assert required <= set(variables)


def test_shouhu_is_sent_the_contracts_documents_by_persisted_id() -> None:
    manifest = load_manifest()
    for op in operations(VILLAGE, CHILDREN, date(2026, 11, 23)):
        for body in op.shouhu:
            assert set(body) == {"documentId", "variables"}
            _sends_what_it_declares(manifest[body["documentId"]], op.name, body["variables"])


def test_postgraphiles_queries_are_well_formed_and_sent_their_variables() -> None:
    ops = operations(VILLAGE, CHILDREN, date(2026, 11, 23))
    assert [op.name for op in ops] == ["Caseload", "ChildDetail", "DueVisits"]
    for op in ops:
        assert len(op.postgraphile) == len(op.shouhu)
        for body in op.postgraphile:
            _sends_what_it_declares(body["query"], op.name, body["variables"])
    due = ops[2].postgraphile[0]["variables"]
    assert due["dueBy"] == "2026-12-23"  # the app's 30 days from the day
    assert [b["variables"]["id"] for b in ops[1].postgraphile] == [str(c) for c in CHILDREN]


def test_the_wrk_script_posts_each_body_unchanged() -> None:
    bodies = [
        {"query": 'query A { x(s: "a\\"b") }', "variables": {"name": "王小明", "path": "c:\\d"}},
        {"documentId": "ab" * 32, "variables": {}},
    ]
    script = wrk_script(bodies, {"Authorization": "Bearer t.o.k"})
    assert script.isascii()
    table = re.search(r"local bodies = \{\n(.*?)\n\}", script, re.DOTALL)
    assert table is not None
    literals = [line.strip().removesuffix(",") for line in table.group(1).splitlines()]
    sent = [json.loads(re.sub(r"\\(.)", r"\1", literal[1:-1])) for literal in literals]
    assert sent == bodies
    assert '["Authorization"] = "Bearer t.o.k",' in script


def test_wrk_figures_are_read_from_the_scripts_line() -> None:
    output = (
        "Running 15s test @ http://127.0.0.1:8766/graphql\nBENCH 1500 10000000 6500 21000 2 1\n"
    )
    figures = parse_wrk(output)
    assert figures == Figures(requests=1500, seconds=10.0, p50_ms=6.5, p99_ms=21.0, failures=3)
    assert figures.per_second == 150.0
    with pytest.raises(RuntimeError, match="no figures"):
        parse_wrk("unable to connect to 127.0.0.1:8766 Connection refused\n")


def test_without_wrk_the_benchmark_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("bench.postgraphile.shutil.which", lambda name: None)
    with pytest.raises(SystemExit) as exited:
        main(["--seconds", "1"])
    assert exited.value.code == 2
    assert "apt-get install wrk" in capsys.readouterr().err
