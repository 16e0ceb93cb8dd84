"""One settings model for the whole product.

Values come, highest priority first, from: keyword arguments (tests), ``DEMENTI_*`` environment
variables, the YAML file named by ``DEMENTI_CONFIG`` (default ``config/settings.yaml`` when it
exists), then the defaults below. The names of the environment variables are a public interface.

Relative paths (rules dir, gazetteers, feeds) are resolved against the current directory first and,
when they do not exist there, against the project checkout, so ``dementi`` works from anywhere after
an editable install.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = Path("config/settings.yaml")


def resolve_project_path(path: Path) -> Path:
    """Return ``path`` as given if it exists (or is absolute), else relative to the checkout."""
    path = Path(path).expanduser()
    if path.is_absolute() or path.exists():
        return path
    candidate = PROJECT_ROOT / path
    return candidate if candidate.exists() else path


class _YamlSource(PydanticBaseSettingsSource):
    """Reads the optional YAML settings file (flat keys, same names as the fields)."""

    def __init__(self, settings_cls: type[BaseSettings]):
        super().__init__(settings_cls)
        self._data = self._load()

    @staticmethod
    def _load() -> dict[str, Any]:
        explicit = os.environ.get("DEMENTI_CONFIG")
        path = Path(explicit) if explicit else resolve_project_path(DEFAULT_CONFIG_FILE)
        if not path.exists():
            if explicit:
                raise FileNotFoundError(f"DEMENTI_CONFIG points to a missing file: {path}")
            return {}
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: settings file must be a mapping of setting -> value")
        return data

    def get_field_value(self, field, field_name):  # pragma: no cover - required by the ABC
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if v is not None}


class Settings(BaseSettings):
    """Every tunable of dementi. Env var = ``DEMENTI_`` + upper-case field name."""

    model_config = SettingsConfigDict(env_prefix="DEMENTI_", extra="forbid", validate_default=True)

    # --- Kafka -------------------------------------------------------------------------------
    kafka_bootstrap: str | None = Field(
        default=None, description="host:port[,...] of a Kafka cluster; unset = start the embedded broker"
    )
    topic_prefix: str = Field(default="dementi.", description="prefix of every topic name")
    topic_partitions: int = Field(default=4, ge=1, le=1024, description="partitions of created topics")
    consumer_group_prefix: str = Field(default="dementi", description="prefix of consumer group ids")
    broker_session_timeout: float = Field(default=6.0, gt=0, description="Kafka group session timeout (s)")
    broker_heartbeat_interval: float = Field(default=1.0, gt=0, description="Kafka heartbeat interval (s)")

    # --- Kafka security: TLS and SASL (README "Connecting to a managed cluster") --------------
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL, for every Kafka client")
    kafka_ssl_cafile: Path | None = Field(default=None, description="CA certificate(s), PEM, that signed the brokers' "
                                          "certificates; unset = the system's CAs")
    kafka_ssl_certfile: Path | None = Field(default=None, description="client certificate, PEM (mutual TLS)")
    kafka_ssl_keyfile: Path | None = Field(default=None, description="its private key, PEM; unset = in the certificate file")
    kafka_ssl_check_hostname: bool = Field(default=True, description="check that the broker's certificate names the "
                                           "host in DEMENTI_KAFKA_BOOTSTRAP")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        default=None, description="SASL mechanism (with SASL_PLAINTEXT / SASL_SSL)")
    kafka_sasl_username: str | None = Field(default=None, description="SASL user name")
    kafka_sasl_password: SecretStr | None = Field(default=None, description="SASL password (never logged)")
    kafka_sasl_password_file: Path | None = Field(default=None, description="file holding the SASL password "
                                                  "(e.g. a mounted secret); instead of DEMENTI_KAFKA_SASL_PASSWORD")

    # --- Detection ---------------------------------------------------------------------------
    rules_dir: Path = Field(default=Path("config/rules"), description="directory of YAML rule files")
    gazetteers_dir: Path = Field(default=Path("config/gazetteers"), description="actor gazetteers")
    max_body_bytes: int = Field(default=2_000_000, gt=0, description="larger articles go to dead letter")
    rules_reload_interval: float = Field(default=2.0, gt=0, description="seconds between rule-dir scans")

    # --- Telegram ----------------------------------------------------------------------------
    telegram_token: SecretStr | None = Field(default=None, description="bot token; unset = console notifier")
    telegram_api_url: str = Field(default="https://api.telegram.org/bot", description="Bot API base URL")
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list, description="Telegram user ids allowed admin commands")
    subscription_policy: str = Field(default="open", description="open | allowlist")
    allowed_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list, description="chats allowed when policy=allowlist")
    realert_seconds: float = Field(default=3600.0, ge=0, description="unused since alerts are grouped into stories: noise control is per story; kept so old configs load")
    story_window_seconds: float = Field(default=48 * 3600.0, gt=0, description="a story takes reports for this long after its first one")
    story_edit_interval: float = Field(default=3.0, ge=0, description="seconds between two edits of one story message in one chat")

    # --- Feeds -------------------------------------------------------------------------------
    feeds_file: Path = Field(default=Path("config/feeds.yaml"), description="feeds to poll")
    feed_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="abort a feed/page download past this size")
    feed_timeout: float = Field(default=20.0, gt=0, description="seconds per feed/page request (connect, read, total)")
    feed_concurrency: int = Field(default=8, ge=1, le=256, description="feeds fetched at the same time")
    feed_backoff_max: float = Field(default=6 * 3600.0, gt=0, description="longest wait between retries of a failing feed (s)")
    feed_user_agent: str = Field(default="dementi-feeds/0.1 (RSS/Atom reader)", description="User-Agent sent to feeds")
    feed_min_interval: float = Field(default=30.0, gt=0, description="shortest adaptive polling interval (s)")
    feed_max_interval: float = Field(default=1800.0, gt=0, description="longest adaptive polling interval (s); also the safety-net poll of a pushed feed")
    feed_adaptive_scale: float = Field(default=90.0, gt=0, description="a feed publishing every G s is polled every sqrt(G x scale) s, within the bounds")
    feed_requests_per_minute: float = Field(default=120.0, gt=0, description="global budget of feed polls per minute, shared by all feeds")
    feed_host_concurrency: int = Field(default=2, ge=1, le=64, description="requests in flight to one host (host:port) at a time")
    telegram_web_url: str = Field(default="https://t.me/s/", description="web preview of public channels: this + channel name")
    public_url: str | None = Field(default=None, description="base URL where WebSub hubs reach this process (callbacks at /websub/ID); unset = polling only")
    websub_host: str = Field(default="0.0.0.0", description="interface of the WebSub callback endpoint")
    websub_port: int = Field(default=8790, ge=0, le=65535, description="port of the WebSub callback endpoint (0 = any free port)")
    websub_lease_seconds: float = Field(default=7 * 86400.0, gt=0, description="WebSub lease asked of hubs (s); renewed at 80 %")
    feed_internal_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="host names, IPs or networks feeds may reach although they are "
                                          "loopback/private/link-local (internal feeds); everything else internal is refused")

    # --- State, logs, metrics ----------------------------------------------------------------
    data_dir: Path = Field(default=Path("~/.local/share/dementi"), description="where SQLite state lives")
    log_level: str = Field(default="INFO", description="DEBUG | INFO | WARNING | ERROR")
    log_json: bool = Field(default=False, description="structured JSON logs")
    metrics_port: int | None = Field(default=None, description="Prometheus /metrics port; unset = off")
    worker_metrics_port: int | None = Field(default=None, ge=0, le=65535, description="detect worker's /metrics port (default: metrics_port)")
    bot_metrics_port: int | None = Field(default=None, ge=0, le=65535, description="notifier's /metrics port (default: metrics_port + 1)")
    feeds_metrics_port: int | None = Field(default=None, ge=0, le=65535, description="feed poller's /metrics port (default: metrics_port + 2)")
    metrics_host: str = Field(default="127.0.0.1", description="interface the /metrics endpoints listen on "
                                                                "(0.0.0.0 to let a remote Prometheus scrape)")

    @model_validator(mode="after")
    def _interval_bounds(self) -> "Settings":
        if self.feed_min_interval > self.feed_max_interval:
            raise ValueError(f"feed_min_interval ({self.feed_min_interval:g}) must not exceed "
                             f"feed_max_interval ({self.feed_max_interval:g})")
        return self

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL such as https://dementi.example.org, got {value!r}")
        return value

    @field_validator("rules_dir", "gazetteers_dir", "feeds_file")
    @classmethod
    def _resolve(cls, value: Path) -> Path:
        return resolve_project_path(value)

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return Path(value).expanduser()

    @field_validator("admin_user_ids", "allowed_chat_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        # "123,456" from the environment is friendlier than a JSON list.
        if isinstance(value, str):
            return [int(v) for v in value.replace(" ", "").split(",") if v]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile", "kafka_sasl_password_file")
    @classmethod
    def _existing_file(cls, value: Path | None, info) -> Path | None:
        if value is None:
            return None
        value = Path(value).expanduser()
        if not value.is_file():
            raise ValueError(f"DEMENTI_{info.field_name.upper()}: no such file: {value}")
        return value

    @model_validator(mode="after")
    def _kafka_security(self) -> "Settings":
        """Settings that cannot work together are refused at start, each naming the variables."""
        protocol = self.kafka_security_protocol
        tls_files = [n for n in ("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile") if getattr(self, n)]
        sasl_given = [n for n in ("kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password",
                                  "kafka_sasl_password_file") if getattr(self, n)]
        names = lambda fields: ", ".join(f"DEMENTI_{f.upper()}" for f in fields)  # noqa: E731
        if tls_files and protocol not in ("SSL", "SASL_SSL"):
            raise ValueError(f"{names(tls_files)} set but DEMENTI_KAFKA_SECURITY_PROTOCOL={protocol}: "
                             "use SSL or SASL_SSL")
        if self.kafka_ssl_keyfile and not self.kafka_ssl_certfile:
            raise ValueError("DEMENTI_KAFKA_SSL_KEYFILE set without DEMENTI_KAFKA_SSL_CERTFILE")
        if not protocol.startswith("SASL_"):
            if sasl_given:
                raise ValueError(f"{names(sasl_given)} set but DEMENTI_KAFKA_SECURITY_PROTOCOL={protocol}: "
                                 "use SASL_PLAINTEXT or SASL_SSL")
            return self
        if self.kafka_sasl_password is not None and self.kafka_sasl_password_file is not None:
            raise ValueError("set DEMENTI_KAFKA_SASL_PASSWORD or DEMENTI_KAFKA_SASL_PASSWORD_FILE, not both")
        if self.kafka_sasl_password_file is not None:
            self.kafka_sasl_password = SecretStr(self.kafka_sasl_password_file.read_text(encoding="utf-8")
                                                 .rstrip("\r\n"))
        missing = [n for n, v in (("DEMENTI_KAFKA_SASL_MECHANISM", self.kafka_sasl_mechanism),
                                  ("DEMENTI_KAFKA_SASL_USERNAME", self.kafka_sasl_username),
                                  ("DEMENTI_KAFKA_SASL_PASSWORD (or _PASSWORD_FILE)", self.kafka_sasl_password)) if not v]
        if missing:
            raise ValueError(f"DEMENTI_KAFKA_SECURITY_PROTOCOL={protocol} needs {', '.join(missing)}")
        return self

    @field_validator("feed_internal_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in value.replace(" ", "").split(",") if v]
        return value

    @field_validator("feed_internal_hosts")
    @classmethod
    def _check_hosts(cls, value: list[str]) -> list[str]:
        # same rule as the fetcher's guard (kept here so a typo fails at start-up, not at the first poll)
        import ipaddress

        out = []
        for entry in value:
            entry = entry.strip().strip("[]").lower()
            try:
                out.append(str(ipaddress.ip_network(entry, strict=False)) if "/" in entry
                           else str(ipaddress.ip_address(entry)))
                continue
            except ValueError:
                pass
            if not entry or any(c in entry for c in "/:@?# ") or entry.startswith(".") or entry.endswith("."):
                raise ValueError(f"{entry!r} is not a host name, an IP address or a network "
                                 "(e.g. intranet.example, 10.0.0.5, 10.0.0.0/8)")
            out.append(entry)
        return out

    @field_validator("subscription_policy")
    @classmethod
    def _policy(cls, value: str) -> str:
        if value not in {"open", "allowlist"}:
            raise ValueError("must be 'open' or 'allowlist'")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _YamlSource(settings_cls))

    # --- derived names -----------------------------------------------------------------------
    def topic(self, name: str) -> str:
        """Full topic name, e.g. ``topic('articles') -> 'dementi.articles'``."""
        return f"{self.topic_prefix}{name}"

    articles_topic = property(lambda self: self.topic("articles"), doc="where sources publish articles")
    alerts_topic = property(lambda self: self.topic("alerts"), doc="where the detect worker publishes alerts")
    deadletter_topic = property(lambda self: self.topic("deadletter"), doc="records that could not be processed")
    stories_topic = property(lambda self: self.topic("stories"), doc="where the story stage publishes story updates")

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; a single place so every entry point reads them the same way."""
    return Settings(**overrides)
