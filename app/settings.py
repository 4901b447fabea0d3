"""Service settings, read from the environment (and an optional `.env` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting of the service; the README lists them with their defaults."""

    model_config = SettingsConfigDict(env_prefix="SHOUHU_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "SHOUHU_DATABASE_URL"),
        description="PostgreSQL URL; unset means the embedded server under data_dir.",
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

    @property
    def graphiql(self) -> bool:
        """GraphiQL is served in development only."""
        return self.env == "development"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
