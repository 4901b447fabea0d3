"""Messages for people in the caller's language: Chinese unless the request asks for English.

gettext's model: the English text of a message is its id, written where the message arises
as a template with named placeholders (`"at most {maximum} characters"`, params
`{"maximum": 100}`), and app/messages.py holds the Chinese of every template and of every
error code. A message is rendered at the edge (a payload's `errors`, a GraphQL error, an HTTP
error body) in the request's language, which `LanguageMiddleware` reads from
`Accept-Language` into a context variable; stored results keep codes and params, so a replay
speaks the language of whoever reads it. Error codes never change with the language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Final, Literal

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.enums import LabeledEnum
from app.messages import CHINESE, CODES, TERMS

log = logging.getLogger(__name__)

Language = Literal["zh", "en"]
DEFAULT_LANGUAGE: Final[Language] = "zh"
# What a response says it is written in (Content-Language).
_TAGS: Final[Mapping[Language, str]] = {"zh": "zh-CN", "en": "en"}

_language: ContextVar[Language] = ContextVar("shouhu_language", default=DEFAULT_LANGUAGE)


def current_language() -> Language:
    """The language of the request being served (Chinese outside a request)."""
    return _language.get()


@contextmanager
def use_language(language: Language) -> Iterator[None]:
    """Render messages in `language` inside the block."""
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def negotiate(accept_language: str | None) -> Language:
    """The language to answer in, from an Accept-Language header (RFC 9110 §12.5.4).

    The acceptable range with the highest q-value that we speak wins (`en`, `en-US`, any
    `en-*`, `zh`, `zh-CN`, `zh-Hans`…); ties go to the first listed; `q=0` means "not this".
    Anything else, or no header, is Chinese.
    """
    ranked: list[tuple[float, int, Language]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        quality = 1.0
        for parameter in rest.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, "zh" if primary == "zh" else "en"))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def N_(template: str) -> str:
    """Mark a template kept in a variable as a catalogue message (gettext's gettext_noop):
    it is translated where it is rendered, and tests/api/test_messages.py finds it here."""
    return template


@dataclass(frozen=True)
class Term:
    """A word of the catalogue's vocabulary put into a message: a kind of record ("child")
    or a permission's object and action ("child file", "write"). Rendered through TERMS."""

    text: str


def _value(value: object, language: Language) -> str:
    if isinstance(value, LabeledEnum):
        return value.label if language == "zh" else value.value
    if isinstance(value, Term):
        return TERMS.get(value.text, value.text) if language == "zh" else value.text
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def translate(
    template: str, params: Mapping[str, object] | None = None, language: Language | None = None
) -> str:
    """The message `template` (its English text) in `language` (default: the request's),
    its placeholders filled from `params`. Enum values become their Chinese labels in
    Chinese, Terms their catalogue word. A template missing from the catalogue stays English
    (tests/api/test_messages.py keeps that from happening)."""
    language = language or current_language()
    text = CHINESE.get(template, template) if language == "zh" else template
    if params is None:
        return text
    values = {name: _value(value, language) for name, value in params.items()}
    try:
        return text.format_map(values)
    except (KeyError, IndexError, ValueError):
        # A placeholder without a param is a bug, but the caller still gets its answer.
        log.error("message cannot be rendered", extra={"template": template})
        return template


def describe(code: str, language: Language | None = None) -> str:
    """The general message of an error code, for when nothing more specific is said."""
    english, chinese = CODES.get(code, (code, code))
    return chinese if (language or current_language()) == "zh" else english


class LanguageMiddleware:
    """Sets the request's language from Accept-Language for everything inside it, and says
    which one the answer is in (Content-Language, Vary)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = next(
            (value.decode("latin-1") for name, value in scope["headers"]
             if name.lower() == b"accept-language"),
            None,
        )  # fmt: skip
        language = negotiate(header)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-language", _TAGS[language])
                headers.add_vary_header("Accept-Language")
            await send(message)

        with use_language(language):
            await self.app(scope, receive, send_with_language)
