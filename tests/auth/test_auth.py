"""Identities: login, access and refresh tokens, API keys, request identity, CLI commands."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import time_machine
from httpx import AsyncClient
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers

from app import passwords
from app.auth import login as login_module
from app.auth.apikeys import authenticate_api_key, create_api_key, revoke_api_key
from app.auth.errors import AuthError
from app.auth.identity import authenticate
from app.auth.refresh import issue_refresh_token, rotate_refresh_token
from app.auth.tokens import decode_access_token, issue_access_token
from app.database import session_factory
from app.enums import OrganizationKind, Role
from app.models import ApiKey, Organization, RefreshToken, User
from app.seed.demo import DEMO_PASSWORD, DEMO_VILLAGE
from app.services.statistics.refresh import StatisticsSession
from app.settings import DEVELOPMENT_SECRET_KEY, Settings, get_settings
from tests.command import shouhu
from tests.conftest import PRODUCTION_KEYS, EngineFactory
from tests.graphql import query_data

Sessions = async_sessionmaker[AsyncSession]

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) {
    accessToken accessTokenExpiresAt refreshToken
    user { id username displayName role areaCode }
    errors { code field message }
  }
}
"""
REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(input: {refreshToken: $token}) {
    accessToken refreshToken user { username } errors { code field message }
  }
}
"""
LOGOUT = """
mutation Logout($token: String!) {
  logout(input: {refreshToken: $token}) { ok errors { code field message } }
}
"""
KEY_PATTERN = re.compile(r"^shk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$")


async def login(client: AsyncClient, username: str, password: str = DEMO_PASSWORD) -> Any:
    return (await query_data(client, None, LOGIN, username=username, password=password))["login"]


async def refresh(client: AsyncClient, token: str) -> Any:
    return (await query_data(client, None, REFRESH, token=token))["refreshToken"]


def codes(payload: Any) -> list[str]:
    return [error["code"] for error in payload["errors"]]


def sessions_for(engine_for: EngineFactory, url: str) -> Sessions:
    return session_factory(engine_for(url), StatisticsSession)


async def user_named(sessions: Sessions, username: str) -> User:
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


async def deactivate(sessions: Sessions, username: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(User).where(User.username == username).values(is_active=False))


async def organization_of_kind(sessions: Sessions, kind: OrganizationKind) -> Organization:
    async with sessions() as session:
        org = await session.scalar(
            select(Organization).where(Organization.kind == kind).order_by(Organization.name)
        )
    assert org is not None
    return org


# --- Settings -------------------------------------------------------------------------------


def test_production_refuses_the_development_or_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="must be set in production"):
        Settings(env="production", secret_key=DEVELOPMENT_SECRET_KEY)
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(env="production", secret_key="x" * 31)
    production = {**PRODUCTION_KEYS, "env": "production", "secret_key": "x" * 32}
    assert Settings.model_validate(production).secret_key == "x" * 32
    assert Settings(env="development", secret_key=DEVELOPMENT_SECRET_KEY).env == "development"


# --- Login through GraphQL ------------------------------------------------------------------


async def test_login_gives_tokens_for_the_user(fresh_client: AsyncClient) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    payload = await login(fresh_client, "demo-village")
    assert payload["errors"] == []
    assert payload["user"]["username"] == "demo-village"
    assert payload["user"]["role"] == "VILLAGE_DIRECTOR"
    assert payload["user"]["areaCode"] == DEMO_VILLAGE
    user_id = decode_access_token(payload["accessToken"], get_settings())
    assert str(user_id) == payload["user"]["id"]
    expires = datetime.fromisoformat(payload["accessTokenExpiresAt"])
    ttl = get_settings().access_token_ttl_seconds
    assert before + timedelta(seconds=ttl) <= expires <= datetime.now(UTC) + timedelta(seconds=ttl)
    assert len(payload["refreshToken"]) >= 43


async def test_wrong_password_and_unknown_user_look_the_same(fresh_client: AsyncClient) -> None:
    wrong = await login(fresh_client, "demo-village", "not-the-password")
    unknown = await login(fresh_client, "nobody-here", DEMO_PASSWORD)
    for payload in (wrong, unknown):
        assert payload["accessToken"] is None
        assert payload["refreshToken"] is None
        assert payload["user"] is None
        assert codes(payload) == ["INVALID_CREDENTIALS"]
    assert wrong["errors"] == unknown["errors"]


async def test_unknown_user_costs_a_password_check(
    fresh_db: str, engine_for: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real = passwords.verify_password

    def counting(password_hash: str, password: str) -> bool:
        checks.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr("app.auth.login.verify_password", counting)
    sessions = sessions_for(engine_for, fresh_db)
    async with sessions() as session, session.begin():
        with pytest.raises(AuthError) as refused:
            await login_module.login(session, "nobody-here", "whatever", get_settings())
    assert refused.value.code == "INVALID_CREDENTIALS"
    # The same argon2 work as for a real user, so timing does not reveal who exists.
    assert len(checks) == 1
    assert checks[0].startswith("$argon2id$")


async def test_inactive_user_is_refused_after_a_correct_password(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    await deactivate(sessions_for(engine_for, fresh_db), "demo-village2")
    right = await login(fresh_client, "demo-village2")
    assert codes(right) == ["ACCOUNT_INACTIVE"]
    assert right["accessToken"] is None
    wrong = await login(fresh_client, "demo-village2", "not-the-password")
    assert codes(wrong) == ["INVALID_CREDENTIALS"]


# --- Access tokens --------------------------------------------------------------------------


def test_access_token_round_trip_and_refusals() -> None:
    settings = get_settings()
    user_id = uuid.uuid4()
    token, expires = issue_access_token(user_id, settings)
    assert decode_access_token(token, settings) == user_id
    assert expires > datetime.now(UTC)

    def refused(bad: str, with_settings: Settings = settings) -> str:
        with pytest.raises(AuthError) as error:
            decode_access_token(bad, with_settings)
        return error.value.code

    past = datetime.now(UTC) - timedelta(hours=1)
    assert refused(issue_access_token(user_id, settings, now=past)[0]) == "TOKEN_EXPIRED"
    assert refused(issue_access_token(user_id, settings, ttl=-5)[0]) == "TOKEN_EXPIRED"

    header, _, signature = token.split(".")
    other, _ = issue_access_token(uuid.uuid4(), settings)
    assert refused(f"{header}.{other.split('.')[1]}.{signature}") == "TOKEN_INVALID"  # tampered
    assert refused(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) == "TOKEN_INVALID"
    other_key = Settings(secret_key="another-secret-that-is-long-enough-0123456789")
    assert refused(token, other_key) == "TOKEN_INVALID"
    assert refused("not-a-jwt") == "TOKEN_INVALID"

    claims = {"sub": str(user_id), "iat": datetime.now(UTC), "jti": "x"}
    soon = datetime.now(UTC) + timedelta(minutes=5)
    unsigned = jwt.encode({**claims, "typ": "access", "exp": soon}, "", algorithm="none")
    assert refused(unsigned) == "TOKEN_INVALID"
    other_use = jwt.encode(
        {**claims, "typ": "refresh", "exp": soon}, settings.secret_key, algorithm="HS256"
    )
    assert refused(other_use) == "TOKEN_INVALID"


# --- Refresh tokens -------------------------------------------------------------------------


async def test_refresh_rotates_and_reuse_ends_the_family(fresh_client: AsyncClient) -> None:
    first = (await login(fresh_client, "demo-township"))["refreshToken"]
    second = await refresh(fresh_client, first)
    assert second["errors"] == []
    assert second["user"]["username"] == "demo-township"
    assert second["refreshToken"] != first
    decode_access_token(second["accessToken"], get_settings())
    third = await refresh(fresh_client, second["refreshToken"])  # the new token works
    assert third["errors"] == []

    replayed = await refresh(fresh_client, first)
    assert codes(replayed) == ["REFRESH_TOKEN_REUSED"]
    assert replayed["errors"][0]["field"] == "refreshToken"
    assert replayed["accessToken"] is None
    # The reuse revoked the whole family: the latest token, held by the user, is dead too.
    assert codes(await refresh(fresh_client, third["refreshToken"])) == ["REFRESH_TOKEN_REUSED"]
    # Another login is another family and still works.
    other = (await login(fresh_client, "demo-township"))["refreshToken"]
    assert (await refresh(fresh_client, other))["errors"] == []


async def test_unknown_and_expired_refresh_tokens_are_invalid(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    assert codes(await refresh(fresh_client, "no-such-token")) == ["REFRESH_TOKEN_INVALID"]
    token = (await login(fresh_client, "demo-county"))["refreshToken"]
    async with sessions_for(engine_for, fresh_db)() as session, session.begin():
        await session.execute(
            update(RefreshToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert codes(await refresh(fresh_client, token)) == ["REFRESH_TOKEN_INVALID"]


async def test_logout_revokes_the_session(fresh_client: AsyncClient) -> None:
    token = (await login(fresh_client, "demo-city"))["refreshToken"]
    assert (await query_data(fresh_client, None, LOGOUT, token=token))["logout"] == {
        "ok": True,
        "errors": [],
    }
    assert codes(await refresh(fresh_client, token)) == ["REFRESH_TOKEN_REUSED"]
    unknown = (await query_data(fresh_client, None, LOGOUT, token="no-such-token"))["logout"]
    assert unknown["ok"] is False
    assert [e["code"] for e in unknown["errors"]] == ["REFRESH_TOKEN_INVALID"]


async def test_refresh_of_a_disabled_user_is_refused(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    token = (await login(fresh_client, "demo-police"))["refreshToken"]
    await deactivate(sessions, "demo-police")
    assert codes(await refresh(fresh_client, token)) == ["ACCOUNT_INACTIVE"]
    user = await user_named(sessions, "demo-police")
    async with sessions() as session:
        live = await session.scalar(
            select(func.count())
            .select_from(RefreshToken)
            .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        )
    assert live == 0


async def test_concurrent_rotations_of_one_token_cannot_both_succeed(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    settings = get_settings()
    user = await user_named(sessions, "demo-ngo")
    async with sessions() as session, session.begin():
        token = await issue_refresh_token(session, user.id, settings)

    async def rotate_in_own_transaction() -> str:
        async with sessions() as session, session.begin():
            try:
                await rotate_refresh_token(session, token, settings)
            except AuthError as exc:
                return exc.code
        return "rotated"

    # The first rotation holds its transaction open while the second starts.
    async with sessions() as first, first.begin():
        await rotate_refresh_token(first, token, settings)
        second = asyncio.create_task(rotate_in_own_transaction())
        await asyncio.sleep(0.3)
        assert not second.done()  # waiting on the row lock
    assert await second == "REFRESH_TOKEN_REUSED"


# --- API keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrganizationKind.SCHOOL, Role.SCHOOL),
        (OrganizationKind.NGO, Role.NGO),
        (OrganizationKind.POLICE_STATION, Role.POLICE),
        (OrganizationKind.PROTECTION_CENTRE, Role.PROTECTION_CENTRE),
    ],
)
async def test_api_key_role_follows_the_organization(
    fresh_db: str, engine_for: EngineFactory, kind: OrganizationKind, role: Role
) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    org = await organization_of_kind(sessions, kind)
    async with sessions() as session, session.begin():
        key, plaintext = await create_api_key(session, org, "test")
    assert (key.role, key.area_code, key.organization_id) == (role, org.area_code, org.id)
    assert KEY_PATTERN.match(plaintext)
    assert plaintext[4:16] == key.prefix
    assert plaintext[17:] not in key.key_hash  # only the hash is stored


async def test_api_key_authenticates_until_revoked(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    org = await organization_of_kind(sessions, OrganizationKind.SCHOOL)
    async with sessions() as session, session.begin():
        key, plaintext = await create_api_key(session, org, "absence feed")
    assert key.last_used_at is None

    async with sessions() as session, session.begin():
        found = await authenticate_api_key(session, plaintext)
    assert found.id == key.id
    async with sessions() as session:
        stored = await session.get(ApiKey, key.id)
    assert stored is not None and stored.last_used_at is not None

    last = plaintext[-1]
    wrong_secret = plaintext[:-1] + ("A" if last != "A" else "B")
    other_prefix = "shk_" + "Z" * 12 + plaintext[16:]
    for bad in (wrong_secret, other_prefix, plaintext[:-1], "shk_nonsense", "", plaintext + "x"):
        async with sessions() as session:
            with pytest.raises(AuthError) as refused:
                await authenticate_api_key(session, bad)
        assert refused.value.code == "API_KEY_INVALID", bad

    async with sessions() as session, session.begin():
        assert await revoke_api_key(session, key.id) is True
    async with sessions() as session, session.begin():
        assert await revoke_api_key(session, key.id) is False  # already revoked
        assert await revoke_api_key(session, uuid.uuid4()) is False
    async with sessions() as session:
        with pytest.raises(AuthError) as refused:
            await authenticate_api_key(session, plaintext)
    assert refused.value.code == "API_KEY_INVALID"


@pytest.mark.parametrize(
    "kind",
    [
        OrganizationKind.VILLAGE_COMMITTEE,
        OrganizationKind.CIVIL_AFFAIRS_BUREAU,
        OrganizationKind.EDUCATION_BUREAU,
        OrganizationKind.SYSTEM,
    ],
)
async def test_api_keys_are_for_integrations_only(
    fresh_db: str, engine_for: EngineFactory, kind: OrganizationKind
) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    org = await organization_of_kind(sessions, kind)
    async with sessions() as session:
        with pytest.raises(ValueError, match="API keys are for integrations"):
            await create_api_key(session, org, "test")


# --- Request identity -----------------------------------------------------------------------


async def test_authenticate_from_headers(fresh_db: str, engine_for: EngineFactory) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    settings = get_settings()
    user = await user_named(sessions, "demo-village")
    access, _ = issue_access_token(user.id, settings)
    org = await organization_of_kind(sessions, OrganizationKind.NGO)
    async with sessions() as session, session.begin():
        key, plaintext = await create_api_key(session, org, "case feed")

    async def identify(headers: dict[str, str] | Headers) -> Any:
        async with sessions() as session, session.begin():
            return await authenticate(headers, session, settings)

    async def refused(headers: dict[str, str]) -> str:
        with pytest.raises(AuthError) as error:
            await identify(headers)
        return error.value.code

    as_user = await identify(Headers({"Authorization": f"Bearer {access}"}))
    assert as_user.kind == "user"
    assert (as_user.user_id, as_user.username, as_user.api_key_id) == (user.id, user.username, None)
    assert (as_user.role, as_user.area_code) == (Role.VILLAGE_DIRECTOR, DEMO_VILLAGE)
    assert as_user.organization_id == user.organization_id
    assert as_user.label == "user:demo-village"
    assert (await identify({"AUTHORIZATION": f"bearer {access}"})).user_id == user.id

    as_key = await identify(Headers({"X-API-Key": plaintext}))
    assert as_key.kind == "api_key"
    assert (as_key.api_key_id, as_key.user_id, as_key.username) == (key.id, None, None)
    assert (as_key.role, as_key.area_code, as_key.organization_id) == (
        Role.NGO,
        org.area_code,
        org.id,
    )
    assert as_key.label == f"apikey:{key.prefix}"

    assert await identify(Headers({"Accept": "application/json"})) is None
    both = {"Authorization": f"Bearer {access}", "X-API-Key": plaintext}
    assert await refused(both) == "TOKEN_INVALID"
    assert await refused({"Authorization": f"Basic {access}"}) == "TOKEN_INVALID"
    assert await refused({"Authorization": "Bearer"}) == "TOKEN_INVALID"
    assert await refused({"Authorization": "Bearer not-a-token"}) == "TOKEN_INVALID"
    nobody, _ = issue_access_token(uuid.uuid4(), settings)
    assert await refused({"Authorization": f"Bearer {nobody}"}) == "TOKEN_INVALID"
    expired, _ = issue_access_token(user.id, settings, ttl=-1)
    assert await refused({"Authorization": f"Bearer {expired}"}) == "TOKEN_EXPIRED"
    assert await refused({"X-API-Key": plaintext[:-1] + "?"}) == "API_KEY_INVALID"

    await deactivate(sessions, "demo-village")
    assert await refused({"Authorization": f"Bearer {access}"}) == "ACCOUNT_INACTIVE"


async def test_a_cached_token_expires_at_its_exp_to_the_second(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    user = await user_named(sessions_for(engine_for, fresh_db), "demo-village")
    token, expires = issue_access_token(user.id, get_settings(), ttl=5)
    headers = {"Authorization": f"Bearer {token}"}
    me = {"query": "{ me { username } }"}
    first = await fresh_client.post("/graphql", json=me, headers=headers)
    assert first.json()["data"]["me"]["username"] == "demo-village"  # now in the cache
    with time_machine.travel(expires - timedelta(milliseconds=500), tick=False):
        before = await fresh_client.post("/graphql", json=me, headers=headers)
    assert before.json()["data"]["me"]["username"] == "demo-village"
    # Within the cache's 30 s, but the token's time is up: refused as if checked again.
    for moment in (expires, expires + timedelta(seconds=2)):
        with time_machine.travel(moment, tick=False):
            after = await fresh_client.post("/graphql", json=me, headers=headers)
        assert after.json()["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED", moment


async def test_a_cached_token_with_an_api_key_is_refused(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    user = await user_named(sessions, "demo-village")
    org = await organization_of_kind(sessions, OrganizationKind.SCHOOL)
    async with sessions() as session, session.begin():
        _key, plaintext = await create_api_key(session, org, "feed")
    token, _ = issue_access_token(user.id, get_settings())
    me = {"query": "{ me { username } }"}
    bearer = {"Authorization": f"Bearer {token}"}
    cached = await fresh_client.post("/graphql", json=me, headers=bearer)
    assert cached.json()["data"]["me"]["username"] == "demo-village"
    for headers in ({**bearer, "X-API-Key": plaintext}, {**bearer, "X-API-Key": "junk"}):
        both = await fresh_client.post(
            "/graphql", json=me, headers={**headers, "Accept-Language": "en"}
        )
        assert both.json()["data"] is None
        assert both.json()["errors"][0]["extensions"]["code"] == "TOKEN_INVALID"
    # The CSV endpoints take the same path.
    csv = await fresh_client.post(
        "/integrations/absences.csv?batchId=x", headers={**bearer, "X-API-Key": plaintext}
    )
    assert (csv.status_code, csv.json()["errors"][0]["code"]) == (401, "TOKEN_INVALID")


# --- Command line ---------------------------------------------------------------------------


async def test_cli_token(fresh_db: str, engine_for: EngineFactory) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    user = await user_named(sessions, "demo-school")
    result = await asyncio.to_thread(shouhu, fresh_db, "token", "demo-school", "--ttl", "120")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n"  # the token and nothing else
    assert decode_access_token(token, get_settings()) == user.id
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120

    unknown = await asyncio.to_thread(shouhu, fresh_db, "token", "nobody-here")
    assert unknown.returncode == 2
    assert "no user named 'nobody-here'" in unknown.stderr
    assert unknown.stdout == ""
    await deactivate(sessions, "demo-school")
    inactive = await asyncio.to_thread(shouhu, fresh_db, "token", "demo-school")
    assert inactive.returncode == 2
    assert "disabled" in inactive.stderr
    for result in (unknown, inactive):
        assert "Traceback" not in result.stderr


async def test_cli_apikey_create_list_and_revoke(fresh_db: str, engine_for: EngineFactory) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    ngo = await organization_of_kind(sessions, OrganizationKind.NGO)

    created = await asyncio.to_thread(
        shouhu, fresh_db, "apikey", "create", "--org", ngo.name, "--name", "case system"
    )
    assert created.returncode == 0, created.stderr
    plaintext = created.stdout.strip()
    assert created.stdout == plaintext + "\n"
    assert KEY_PATTERN.match(plaintext)
    assert "only time the key is shown" in created.stderr
    async with sessions() as session, session.begin():
        key = await authenticate_api_key(session, plaintext)
    assert (key.organization_id, key.name, key.role) == (ngo.id, "case system", Role.NGO)

    listed = await asyncio.to_thread(shouhu, fresh_db, "apikey", "list", "--org", str(ngo.id))
    assert listed.returncode == 0, listed.stderr
    assert key.prefix in listed.stdout and str(key.id) in listed.stdout
    assert plaintext[17:] not in listed.stdout + listed.stderr

    revoked = await asyncio.to_thread(shouhu, fresh_db, "apikey", "revoke", str(key.id))
    assert revoked.returncode == 0, revoked.stderr
    assert f"API key {key.prefix}" in revoked.stderr
    async with sessions() as session:
        with pytest.raises(AuthError):
            await authenticate_api_key(session, plaintext)
    again = await asyncio.to_thread(shouhu, fresh_db, "apikey", "revoke", key.prefix)
    assert again.returncode == 2
    assert "already revoked" in again.stderr


async def test_cli_apikey_refusals(fresh_db: str, engine_for: EngineFactory) -> None:
    sessions = sessions_for(engine_for, fresh_db)
    village = await organization_of_kind(sessions, OrganizationKind.VILLAGE_COMMITTEE)
    school = await organization_of_kind(sessions, OrganizationKind.SCHOOL)
    async with sessions() as session, session.begin():
        twin = Organization(kind=OrganizationKind.SCHOOL, name=school.name, area_code="42")
        session.add(twin)

    not_integration = await asyncio.to_thread(
        shouhu, fresh_db, "apikey", "create", "--org", str(village.id)
    )
    assert not_integration.returncode == 2
    assert "API keys are for integrations" in not_integration.stderr

    ambiguous = await asyncio.to_thread(shouhu, fresh_db, "apikey", "create", "--org", school.name)
    assert ambiguous.returncode == 2
    assert "2 organizations are named" in ambiguous.stderr
    assert str(school.id) in ambiguous.stderr and str(twin.id) in ambiguous.stderr

    unknown = await asyncio.to_thread(shouhu, fresh_db, "apikey", "create", "--org", "无此机构")
    assert unknown.returncode == 2
    assert "no organization named" in unknown.stderr
    missing = await asyncio.to_thread(shouhu, fresh_db, "apikey", "revoke", str(uuid.uuid4()))
    assert missing.returncode == 2
    for result in (not_integration, ambiguous, unknown, missing):
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ApiKey)) == 0
