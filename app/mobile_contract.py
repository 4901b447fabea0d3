"""The mobile contract: the operations the app sends, their persisted ids, the schema snapshot.

`mobile_contract/operations/*.graphql` are the documents an app release is built with;
`manifest.json` maps each document's sha256 (its persisted id) to the document;
`schema.graphql` is the schema that release was built against. `check` fails when an
operation no longer validates against the live schema, when the manifest is stale, or when
the live schema breaks the snapshot (graphql-core's find_breaking_changes); dangerous changes
(e.g. a new enum value an old app switches on) are listed, not fatal.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from graphql import (
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
    parse,
    validate,
)

from app.settings import PROJECT_ROOT

CONTRACT_DIR = PROJECT_ROOT / "mobile_contract"


def document_id(document: str) -> str:
    """The persisted id of a document: the sha256 of its text, as Apollo and Relay use."""
    return hashlib.sha256(document.encode()).hexdigest()


def operations(directory: Path = CONTRACT_DIR) -> dict[str, str]:
    """Operation file name → document text."""
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted((directory / "operations").glob("*.graphql"))
    }


def build_manifest(directory: Path = CONTRACT_DIR) -> dict[str, str]:
    """Persisted id → document, for every operation."""
    return {document_id(text): text for text in operations(directory).values()}


@cache
def load_manifest(path: Path = CONTRACT_DIR / "manifest.json") -> dict[str, str]:
    """The committed manifest (empty when there is none)."""
    if not path.exists():
        return {}
    manifest: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def write(live_sdl: str, directory: Path = CONTRACT_DIR) -> None:
    """Regenerate manifest and snapshot (`shouhu contract build`)."""
    manifest = build_manifest(directory)
    (directory / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    (directory / "schema.graphql").write_text(live_sdl.rstrip() + "\n", encoding="utf-8")


@dataclass
class Report:
    """What `check` found."""

    errors: list[str] = field(default_factory=list)
    dangerous: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No error (dangerous changes are allowed, but shown)."""
        return not self.errors


def check(live: GraphQLSchema, directory: Path = CONTRACT_DIR) -> Report:
    """Compare the contract with the live schema."""
    report = Report()
    for name, text in operations(directory).items():
        try:
            document = parse(text)
        except Exception as exc:  # graphql-core raises GraphQLSyntaxError
            report.errors.append(f"{name}: does not parse: {exc}")
            continue
        report.errors += [f"{name}: {error.message}" for error in validate(live, document)]
    manifest_path = directory / "manifest.json"
    committed = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
    if committed != build_manifest(directory):
        report.errors.append("manifest.json is stale: run `shouhu contract build`")
    snapshot_path = directory / "schema.graphql"
    if not snapshot_path.exists():
        report.errors.append("schema.graphql is missing: run `shouhu contract build`")
        return report
    snapshot = build_schema(snapshot_path.read_text("utf-8"))
    report.errors += [
        f"breaking: {change.description}" for change in find_breaking_changes(snapshot, live)
    ]
    report.dangerous += [
        f"dangerous: {change.description}" for change in find_dangerous_changes(snapshot, live)
    ]
    return report
