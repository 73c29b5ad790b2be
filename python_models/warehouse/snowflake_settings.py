"""Where a Snowflake warehouse is and how to sign in: read from environment variables only.

Secrets (a password, or a private key's passphrase) live in the environment and in this object's
fields, never in its ``repr``, error messages or logs. Names that end up in SQL (database, schema,
warehouse, role) are validated as plain identifiers, so no statement is ever built from text
that could close a quote or start another statement.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# An unquoted Snowflake identifier: a letter or underscore, then letters, digits, underscores
# or dollar signs, at most 255 characters.
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,254}$")
ENV_PREFIX = "SNOWFLAKE_"
# The emulator's sign-in (fakesnow accepts any account; dbt's fakesnow target uses the same).
EMULATOR_USER = "fake"
EMULATOR_PASSWORD = "snow"


class SnowflakeSettingsError(ValueError):
    """The environment does not describe a usable Snowflake connection (secrets never shown)."""


def check_identifier(kind: str, value: str) -> str:
    """``value`` if it is a plain Snowflake identifier, else ``SnowflakeSettingsError``."""
    if not isinstance(value, str) or not IDENTIFIER_PATTERN.match(value):
        raise SnowflakeSettingsError(
            f"{kind} {value!r} is not a valid identifier: use letters, digits, underscores or $, "
            "starting with a letter or underscore (at most 255 characters)"
        )
    return value


@dataclass(frozen=True)
class SnowflakeSettings:
    """One Snowflake connection. Build it with :meth:`from_env`.

    Sign in with ``password`` or with a key pair (``private_key_path`` and optionally
    ``private_key_passphrase``). ``host``, ``port`` and ``protocol`` are for an emulator or a
    private link; a real account needs only ``account``.
    """

    account: str
    user: str
    database: str
    warehouse: str | None = None
    role: str | None = None
    password: str | None = field(default=None, repr=False)
    private_key_path: str | None = None
    private_key_passphrase: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    protocol: str | None = None

    def __post_init__(self) -> None:
        check_identifier("database", self.database)
        for kind in ("warehouse", "role"):
            if getattr(self, kind) is not None:
                check_identifier(kind, getattr(self, kind))
        if not self.account or not self.user:
            raise SnowflakeSettingsError("a Snowflake account and user are required")
        if (self.password is None) == (self.private_key_path is None):
            raise SnowflakeSettingsError(
                f"sign in with exactly one of {ENV_PREFIX}PASSWORD or "
                f"{ENV_PREFIX}PRIVATE_KEY_PATH (a key pair)"
            )
        if self.protocol not in (None, "http", "https"):
            raise SnowflakeSettingsError(f"protocol {self.protocol!r} must be http or https")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SnowflakeSettings:
        """Settings from ``SNOWFLAKE_*`` variables (``os.environ`` by default).

        Required: ``SNOWFLAKE_ACCOUNT``, ``SNOWFLAKE_USER``, ``SNOWFLAKE_DATABASE`` and one of
        ``SNOWFLAKE_PASSWORD`` / ``SNOWFLAKE_PRIVATE_KEY_PATH``. Optional:
        ``SNOWFLAKE_PRIVATE_KEY_PASSPHRASE``, ``SNOWFLAKE_WAREHOUSE``, ``SNOWFLAKE_ROLE``, and
        ``SNOWFLAKE_HOST``, ``SNOWFLAKE_PORT``, ``SNOWFLAKE_PROTOCOL`` for an emulator.
        """
        env = os.environ if environ is None else environ

        def read(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value if value else None

        missing = [
            ENV_PREFIX + name for name in ("ACCOUNT", "USER", "DATABASE") if read(name) is None
        ]
        if missing:
            raise SnowflakeSettingsError(
                f"set {', '.join(missing)} (and {ENV_PREFIX}PASSWORD or "
                f"{ENV_PREFIX}PRIVATE_KEY_PATH) to reach Snowflake"
            )
        port = read("PORT")
        if port is not None and not port.isdigit():
            raise SnowflakeSettingsError(f"{ENV_PREFIX}PORT {port!r} must be a port number")
        return cls(
            account=read("ACCOUNT"),
            user=read("USER"),
            database=read("DATABASE"),
            warehouse=read("WAREHOUSE"),
            role=read("ROLE"),
            password=read("PASSWORD"),
            private_key_path=read("PRIVATE_KEY_PATH"),
            private_key_passphrase=read("PRIVATE_KEY_PASSPHRASE"),
            host=read("HOST"),
            port=int(port) if port is not None else None,
            protocol=read("PROTOCOL"),
        )

    @classmethod
    def emulator(cls, port: int, database: str) -> SnowflakeSettings:
        """A fakesnow server on loopback (``fakesnow -s -p PORT``)."""
        return cls(
            account="fakesnow",
            user=EMULATOR_USER,
            password=EMULATOR_PASSWORD,
            database=database,
            host="localhost",
            port=port,
            protocol="http",
        )

    def to_env(self) -> dict[str, str]:
        """The ``SNOWFLAKE_*`` variables that describe these settings (for dbt's profile)."""
        values = {
            "ACCOUNT": self.account,
            "USER": self.user,
            "DATABASE": self.database,
            "WAREHOUSE": self.warehouse,
            "ROLE": self.role,
            "PASSWORD": self.password,
            "PRIVATE_KEY_PATH": self.private_key_path,
            "PRIVATE_KEY_PASSPHRASE": self.private_key_passphrase,
            "HOST": self.host,
            "PORT": None if self.port is None else str(self.port),
            "PROTOCOL": self.protocol,
        }
        return {ENV_PREFIX + k: v for k, v in values.items() if v is not None}

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``snowflake.connector.connect`` (secrets included: never log)."""
        kwargs: dict[str, Any] = {
            "account": self.account,
            "user": self.user,
            "database": self.database,
            "warehouse": self.warehouse,
            "role": self.role,
            "host": self.host,
            "port": self.port,
            "protocol": self.protocol,
            "session_parameters": {"QUERY_TAG": "retail_warehouse_loader"},
        }
        if self.password is not None:
            kwargs["password"] = self.password
        else:
            kwargs["private_key_file"] = self.private_key_path
            kwargs["private_key_file_pwd"] = self.private_key_passphrase
        return {k: v for k, v in kwargs.items() if v is not None}

    def describe(self) -> str:
        """Where these settings point, for messages: no secret."""
        where = f"{self.host}:{self.port}" if self.host else f"account {self.account}"
        return f"database {self.database} as {self.user} ({where})"
