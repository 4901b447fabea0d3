"""Service settings, read from the environment (and an optional `.env` file)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.clock import DEFAULT_TIMEZONE
from app.domain.absences import DropoutRule
from app.domain.login_throttle import LoginThrottle, ThrottleRule
from app.domain.task_deadlines import DeadlineRules
from app.domain.tasks import TaskRules
from app.domain.webhooks import RetryRule
from app.idcrypto import KeyRing, KeyRingError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Signs access tokens in development and tests only; production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "shouhu-development-only-secret-key-do-not-use-in-production"
MIN_METRICS_TOKEN_LENGTH = 16
MIN_SECRET_KEY_LENGTH = 32  # HS256 wants a key of at least its 256-bit output (RFC 7518 3.2)
# Seal and fingerprint ID numbers in development and tests only; production refuses them.
DEVELOPMENT_ID_NUMBER_KEY = base64.b64encode(b"shouhu-development-id-number-key").decode()
DEVELOPMENT_ID_NUMBER_HASH_KEY = base64.b64encode(b"shouhu-development-id-number-hash").decode()


class Settings(BaseSettings):
    """Every setting of the service; the README lists them with their defaults."""

    model_config = SettingsConfigDict(
        env_prefix="SHOUHU_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "SHOUHU_DATABASE_URL"),
        description="PostgreSQL URL; unset means the embedded server under data_dir.",
    )
    transaction_pooler: bool = Field(
        default=False,
        description="DATABASE_URL leads to a pooler in transaction mode (PgBouncer): no "
        "prepared statement outlives its transaction.",
    )
    direct_database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DIRECT_DATABASE_URL", "SHOUHU_DIRECT_DATABASE_URL"),
        description="The database itself, past the pooler, for what holds a session: the "
        "invalidation notices and the daily job's lock (default: DATABASE_URL).",
    )
    replica_url: str | None = Field(
        default=None,
        description="A streaming replica for statistics, exports and searches (unset: the "
        "primary serves them).",
    )
    replica_max_lag_seconds: float = Field(
        default=30,
        ge=0,
        description="How far behind the primary the replica may be and still serve reports.",
    )
    data_dir: Path = Field(default=PROJECT_ROOT / ".data", description="Embedded PostgreSQL data.")
    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias=AliasChoices("PORT", "SHOUHU_PORT"))
    workers: int = Field(default=1, ge=1)
    log_level: str = "INFO"
    demo_province: str = Field(default="42", pattern=r"^\d{2}$")
    seed_demo: bool = True
    db_pool_size: int = Field(default=10, ge=1)
    secret_key: str = Field(
        default=DEVELOPMENT_SECRET_KEY,
        repr=False,  # never in logs or tracebacks
        description="Signs access tokens (HS256); at least 32 characters in production.",
    )
    id_number_keys: str = Field(
        default=f"v1:{DEVELOPMENT_ID_NUMBER_KEY}",
        repr=False,
        description="Keys that seal ID numbers (AES-256-GCM), `v2:<base64>,v1:<base64>`: "
        "the first seals, all open. Required in production.",
    )
    id_number_hash_keys: str = Field(
        default=f"v1:{DEVELOPMENT_ID_NUMBER_HASH_KEY}",
        repr=False,
        description="Keys of the ID numbers' fingerprints (HMAC-SHA256) for uniqueness and "
        "lookup, written the same way. Required in production.",
    )
    app_db_user: str = Field(
        default="shouhu_app",
        description="Role the service connects as: it owns no table, so row-level security "
        "applies (created by the migrations).",
    )
    app_db_password: str | None = Field(default=None, repr=False)
    policy_refresh_seconds: float = Field(default=30, ge=0)
    trusted_documents_only: bool = Field(
        default=False,
        description="Run only the mobile contract's documents, except for staff with the "
        "GraphiQL permission (on in production).",
    )
    identity_cache_seconds: float = Field(
        default=30, ge=0, description="How long a verified bearer token skips the account lookup."
    )
    dropout_consecutive_days: int = Field(
        default=3, ge=1, description="Unexcused school days in a row that open a dropout case."
    )
    dropout_unexcused_days: int = Field(
        default=10, ge=1, description="Unexcused days within the window that open one too."
    )
    dropout_window_days: int = Field(
        default=30, ge=1, description="The window, in calendar days; older absences do not count."
    )
    task_report_under_age: int = Field(
        default=TaskRules.report_under_age,
        ge=1,
        description="A child under this age living alone or with an incapable guardian is "
        "reported to the police at once (a case and a task open themselves).",
    )
    task_find_guardian_days: int = Field(
        default=TaskRules.find_guardian_days,
        ge=1,
        description="Days the village has to find a child a new guardian.",
    )
    task_parents_contact_days: int = Field(
        default=TaskRules.parents_contact_days,
        ge=1,
        description="Days the village has to reach a left-behind child's parents who never call.",
    )
    task_confirm_guardian_days: int = Field(
        default=TaskRules.confirm_guardian_days,
        ge=1,
        description="Days the village has to get a left-behind child's guardian confirmed.",
    )
    rate_limit_per_minute: float = Field(
        default=120, ge=0, description="Requests per minute per API key (0: no limit)."
    )
    rate_limit_burst: int = Field(
        default=60, ge=1, description="Requests an API key may make at once before waiting."
    )
    login_account_failures: int = Field(
        default=5, ge=1, description="Wrong passwords in a row for one username before back-off."
    )
    login_address_failures: int = Field(
        default=50,
        ge=1,
        description="Failed logins in a row from one client address before back-off (higher: "
        "a township's users may share one address).",
    )
    login_backoff_max_seconds: float = Field(
        default=900, ge=1, description="The longest a back-off refuses logins (it doubles to it)."
    )
    login_failures_forgotten_seconds: float = Field(
        default=3600,
        ge=1,
        description="Failures are forgotten this long after the last one (at least the cap).",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Addresses whose X-Forwarded-For names the client (uvicorn's "
        "forwarded_allow_ips; comma-separated, `*` for any).",
    )
    timezone: str = Field(
        default=DEFAULT_TIMEZONE,
        description='The service\'s time zone: it decides what "today" is for every rule.',
    )
    now: datetime | None = Field(
        default=None,
        description="Pins the clock to start at this moment (development and tests only).",
    )
    access_token_ttl_seconds: int = Field(default=900, ge=1)
    refresh_token_ttl_days: int = Field(default=30, ge=1)
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=64 * 1024,
        description="Largest /graphql request body (a submitAbsences call of 10,000 records "
        "fits); larger ones are answered 413 unread.",
    )
    max_document_chars: int = Field(
        default=20_000,
        ge=2_000,
        description="Longest GraphQL document a caller may send as text; refused unparsed.",
    )
    query_cost_limit_anonymous: int = Field(
        default=50, ge=1, description="Query cost allowed without credentials (logging in)."
    )
    query_cost_limit: int = Field(
        default=5_000,
        ge=1,
        description="Query cost allowed to field workers and integrations: the app's "
        "heaviest operation with margin.",
    )
    query_cost_limit_graphiql: int = Field(
        default=20_000,
        ge=1,
        description="Query cost allowed to staff with the GraphiQL permission.",
    )
    statement_timeout_seconds: float = Field(
        default=10,
        ge=0,
        description="Longest SQL statement a request may run (0: no limit); longer ones are "
        "cancelled and answered QUERY_TIMEOUT.",
    )
    webhook_worker: bool = Field(
        default=True,
        description="Whether `shouhu serve` runs the webhook delivery worker in each process "
        "(false when `shouhu worker` runs apart).",
    )
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, description="How long a subscriber has to answer a delivery."
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, description="Failed attempts after which a delivery is dead."
    )
    webhook_retry_base_seconds: float = Field(
        default=30, ge=0, description="Wait after a first failure; doubled after each next one."
    )
    webhook_retry_max_seconds: float = Field(
        default=3600, ge=0, description="Longest wait between two attempts of a delivery."
    )
    webhook_poll_seconds: float = Field(
        default=2, gt=0, description="How often an idle worker looks for events and deliveries."
    )
    webhook_batch_size: int = Field(
        default=50, ge=1, description="Deliveries a worker claims and sends at once."
    )
    task_visit_grace_days: int = Field(
        default=DeadlineRules.visit_grace_days,
        ge=0,
        description="Days a due visit may wait before a VISIT_OVERDUE task opens.",
    )
    task_referral_accept_days: int = Field(
        default=DeadlineRules.referral_accept_days,
        ge=1,
        description="Days a receiver has to answer a referral before REFERRAL_UNANSWERED.",
    )
    task_dropout_return_days: int = Field(
        default=DeadlineRules.dropout_return_days,
        ge=1,
        description="Days of persuasion before DROPOUT_NOT_RETURNED opens for the village.",
    )
    task_escalation_days: int = Field(
        default=DeadlineRules.escalation_days,
        ge=1,
        description="Days each level has to act on a deadline task before it escalates "
        "(village, township, county).",
    )
    daily_job: bool = Field(
        default=True,
        description="`shouhu serve` runs the daily job (re-derivation, deadlines, "
        "escalation) in the background, once a day across processes.",
    )
    daily_job_check_seconds: float = Field(
        default=3600,
        gt=0,
        description="How often the background loop checks whether the day's job is done "
        "(it also wakes at the local day's change).",
    )
    export_max_rows: int = Field(
        default=100_000,
        ge=1,
        description="The most rows a ledger export (/exports/children.xlsx, visits.xlsx) "
        "holds; a larger one is refused: narrow it by area or filters.",
    )
    compiled_reads: bool = Field(
        default=True,
        description="Answer query documents whose fields all have a SQL mapping (the mobile "
        "app's) with one SQL statement each, not field by field (schema/compiler).",
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=MIN_METRICS_TOKEN_LENGTH,
        repr=False,
        description="Bearer token /metrics requires (`Authorization: Bearer <token>`), at "
        "least 16 characters; unset (or empty), /metrics answers loopback clients only.",
    )
    trust_request_id: bool = Field(
        default=False,
        description="Take a well-formed X-Request-ID of the request as its id (only behind a "
        "reverse proxy that sets or overwrites it); otherwise every request gets a new one.",
    )

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty SHOUHU_METRICS_TOKEN (`${SHOUHU_METRICS_TOKEN:-}` in a compose file) is
        none, not a token that an empty bearer would match."""
        return None if value == "" else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("SHOUHU_NOW needs a UTC offset, e.g. 2026-11-23T10:00:00+08:00")
        return value

    @model_validator(mode="after")
    def _failures_outlast_the_backoff(self) -> Self:
        """Forgetting failures sooner than the longest back-off would forgive an attacker
        who guesses at the capped pace."""
        if self.login_failures_forgotten_seconds < self.login_backoff_max_seconds:
            raise ValueError(
                "SHOUHU_LOGIN_FAILURES_FORGOTTEN_SECONDS must be at least "
                "SHOUHU_LOGIN_BACKOFF_MAX_SECONDS"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> Self:
        """Refuse to run in production with the development key or a short one."""
        if self.env == "production" and "trusted_documents_only" not in self.model_fields_set:
            self.trusted_documents_only = True
        if self.env == "production":
            if self.now is not None:
                raise ValueError("SHOUHU_NOW pins the clock: development and tests only")
            if self.secret_key == DEVELOPMENT_SECRET_KEY:
                raise ValueError("SHOUHU_SECRET_KEY must be set in production")
            if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
                raise ValueError(
                    f"SHOUHU_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters"
                )
        ring = self.id_number_key_ring  # raises on a malformed ring, in any environment
        if self.env == "production":
            development = {
                base64.b64decode(DEVELOPMENT_ID_NUMBER_KEY),
                base64.b64decode(DEVELOPMENT_ID_NUMBER_HASH_KEY),
            }
            if development & set(ring.sealing_keys.values()):
                raise ValueError("SHOUHU_ID_NUMBER_KEYS must be set in production")
            if development & set(ring.hash_keys.values()):
                raise ValueError("SHOUHU_ID_NUMBER_HASH_KEYS must be set in production")
        return self

    @property
    def id_number_key_ring(self) -> KeyRing:
        """The keys that seal and fingerprint ID numbers (app/idcrypto.py)."""
        try:
            return KeyRing.from_settings(self)
        except KeyRingError as exc:
            raise ValueError(str(exc)) from None

    @property
    def dropout_rule(self) -> DropoutRule:
        """The dropout-risk rule school absences are checked against."""
        return DropoutRule(
            consecutive_days=self.dropout_consecutive_days,
            days_in_window=self.dropout_unexcused_days,
            window_days=self.dropout_window_days,
        )

    @property
    def task_rules(self) -> TaskRules:
        """The thresholds of the rules that open tasks (app/domain/tasks.py)."""
        return TaskRules(
            report_under_age=self.task_report_under_age,
            find_guardian_days=self.task_find_guardian_days,
            parents_contact_days=self.task_parents_contact_days,
            confirm_guardian_days=self.task_confirm_guardian_days,
        )

    @property
    def login_throttle(self) -> LoginThrottle:
        """The throttling rules of logins: per account and per client address."""
        return LoginThrottle(
            account=ThrottleRule(
                threshold=self.login_account_failures,
                max_backoff=self.login_backoff_max_seconds,
                forget_after=self.login_failures_forgotten_seconds,
            ),
            address=ThrottleRule(
                threshold=self.login_address_failures,
                max_backoff=self.login_backoff_max_seconds,
                forget_after=self.login_failures_forgotten_seconds,
            ),
        )

    @property
    def graphiql(self) -> bool:
        """GraphiQL is served in development only."""
        return self.env == "development"

    @property
    def webhook_retry(self) -> RetryRule:
        """How failed webhook deliveries are retried (app/domain/webhooks.py)."""
        return RetryRule(
            max_attempts=self.webhook_max_attempts,
            base_delay=timedelta(seconds=self.webhook_retry_base_seconds),
            max_delay=timedelta(seconds=self.webhook_retry_max_seconds),
        )

    @property
    def deadline_rules(self) -> DeadlineRules:
        """The thresholds of the daily job's deadline rules (app/domain/task_deadlines.py)."""
        return DeadlineRules(
            visit_grace_days=self.task_visit_grace_days,
            referral_accept_days=self.task_referral_accept_days,
            dropout_return_days=self.task_dropout_return_days,
            escalation_days=self.task_escalation_days,
        )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
