"""Process settings from the environment (docs/product.md, Settings), read once."""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def normalize_database_url(url: str) -> str:
    """Accept Heroku-style `postgres://` URLs and make every Postgres URL use psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///crm.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str | None = None
    crm_owner_ids: str = ""
    crm_pipeline_channel: str = "#pipeline"
    crm_timezone: str = "America/New_York"
    crm_country: str = "US"
    crm_secret_key: SecretStr | None = None
    quickbooks_client_id: str | None = None
    quickbooks_client_secret: SecretStr | None = None
    quickbooks_environment: str = "sandbox"
    crm_quickbooks_api_url: str | None = None
    crm_intuit_token_url: str | None = None
    port: int = 3000
    crm_log_format: str = "text"
    crm_public_url: str | None = None
    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    crm_google_api_url: str | None = None
    crm_google_token_url: str | None = None

    @field_validator("database_url")
    @classmethod
    def _psycopg3(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("quickbooks_environment")
    @classmethod
    def _sandbox_or_production(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("sandbox", "production"):
            raise ValueError("QUICKBOOKS_ENVIRONMENT is sandbox or production")
        return value

    @property
    def owner_ids(self) -> list[str]:
        return [part.strip() for part in self.crm_owner_ids.split(",") if part.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
