"""An explicitly named config file must exist; the default one may be missing. A secret in a config
file others can read is warned about."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.cli.conftest import Cli


def test_missing_explicit_config_is_an_error(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "does" / "not" / "exist.toml"
    r = cli("--config", str(missing), "mods", "HDDT")
    assert r.code == 2, r.err
    assert r.err_lines == [f"osukit: error: the config file {missing} (--config) does not exist",
                           "hint: check the path, or leave out --config to use the default one (`osukit config path`)"]
    r = cli("--config", str(missing), "config", "show")
    assert r.code == 2


def test_missing_default_config_is_fine(cli: Cli) -> None:
    r = cli("config", "show")
    assert r.code == 0, r.err
    r = cli("config", "show", env={"OSUKIT_CONFIG": str(cli.home / "none.toml")})
    assert r.code == 0, r.err


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o604, True), (0o600, False),
                                               (0o400, False)])
def test_a_readable_config_with_a_secret_is_warned_about(cli: Cli, tmp_path: Path, mode: int, warned: bool) -> None:
    config = tmp_path / "config.toml"
    config.write_text('client_id = 123\nclient_secret = "' + "s" * 40 + '"\n')
    config.chmod(mode)
    r = cli("--config", str(config), "config", "show")
    assert r.code == 0, r.err
    line = (f"osukit: warning: {config} holds client_secret and is readable by others (mode {mode:o}); "
            f"make it private: chmod 600 {config}")
    assert (line in r.err_lines) is warned, r.err
    assert "s" * 40 not in r.err
    assert r.err_lines.count(line) <= 1


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_readable_config_without_a_secret_is_fine(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("client_id = 123\n")
    config.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    r = cli("--config", str(config), "config", "show")
    assert r.code == 0 and r.err == "", r.err
