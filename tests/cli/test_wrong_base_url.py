"""A 404 from the token endpoint means the base URL is wrong: say so, with the URL tried, never the secret."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from osukit import ConfigurationError
from osukit.auth import read_token_response
from tests.cli.conftest import Cli, emu_env


@pytest.mark.parametrize(("suffix", "root_hint"), [("/api", True), ("/api/v2", True), ("/nothing", False)])
def test_cli_names_the_wrong_base_url(cli: Cli, emu: Any, suffix: str, root_hint: bool) -> None:
    env = emu_env(emu)
    root = str(emu.base_url).rstrip("/")
    r = cli("--base-url", root + suffix, "--rate-limit", "0", "user", "2", env=env)
    assert r.code == 3, r.err
    assert r.err_lines[0] == (f"osukit: error: configuration error: no OAuth token endpoint at {root}{suffix}/oauth/token "
                              f"(404): the base URL {root}{suffix} is not an osu! site")
    assert r.err_lines[1].startswith("hint: set the base URL (base_url, --base-url, OSU_BASE_URL) to the site's root")
    assert r.err_lines[1].endswith(f"; try {root}") is root_hint
    assert "client id" not in r.err and env["OSU_CLIENT_SECRET"] not in r.err


def test_token_404_is_a_configuration_error() -> None:
    request = httpx.Request("POST", "https://osu.ppy.sh/api/oauth/token")
    response = httpx.Response(404, json={"error": "Not Found"}, request=request)
    with pytest.raises(ConfigurationError) as info:
        read_token_response(response, now=0.0, requested_scopes=("public",))
    assert str(info.value).startswith("no OAuth token endpoint at https://osu.ppy.sh/api/oauth/token (404)")
    assert info.value.remedy is not None and info.value.remedy.endswith("; try https://osu.ppy.sh")
