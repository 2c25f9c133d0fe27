"""The user's settings: ``config.toml`` in vdbgsh's XDG config directory (``~/.config/vdbgsh/``).

Every ``vdbgsh exec`` reads it, so the path is worked out here without importing platformdirs (~15 ms, most of
a one-shot's start-up); on Linux it is the same answer (a test checks), elsewhere platformdirs gives it. tomllib
is imported only when the file exists. Unknown keys and wrong types are errors, named with the file: a
misspelt ``read_only`` must not leave a production guest unguarded.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from vdbgsh.errors import UsageError

FILE_NAME = "config.toml"
# Each key and the one-line description of what it takes; extend here when a setting is added.
KEYS: dict[str, tuple[type, str]] = {
    "read_only": (bool, "true or false"),
}


class Config:
    """The settings read (a plain class: a NamedTuple costs a one-shot exec ~1 ms to define)."""

    __slots__ = ("path", "read_only")

    def __init__(self, path: str, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only


class ConfigError(UsageError):
    """The config file cannot be used: the message names the file and the key."""


def config_dir() -> str:
    if sys.platform.startswith("linux"):
        # platformdirs' rule on Linux: $XDG_CONFIG_HOME when it is set and not blank, else ~/.config.
        base = os.environ.get("XDG_CONFIG_HOME", "")
        if not base.strip():
            base = os.path.expanduser("~/.config")
        return os.path.join(base, "vdbgsh")
    from platformdirs import user_config_dir

    return user_config_dir("vdbgsh")


def config_path() -> str:
    return os.path.join(config_dir(), FILE_NAME)


def load_config(path: str | None = None) -> Config:
    path = path or config_path()
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except FileNotFoundError:
        return Config(path)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read it: {err.strerror}") from None
    import tomllib

    try:
        table = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    return Config(path, **_checked(path, table))


def _checked(path: str, table: dict[str, Any]) -> dict[str, Any]:
    for key, value in table.items():
        if key not in KEYS:
            known = ", ".join(KEYS)
            raise ConfigError(f"{path}: unknown key {key!r} (known: {known})")
        wanted, description = KEYS[key]
        if not isinstance(value, wanted):
            raise ConfigError(f"{path}: {key} takes {description}, not {value!r}")
    return table
