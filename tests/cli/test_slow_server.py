"""A slow server is not silence: the CLI says each retry on stderr, and --timeout bounds each wait."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.cli.conftest import Cli, emu_env


@contextmanager
def faults(emu: Any, **kw: Any) -> Iterator[None]:
    """The emulator's faults (``set_faults`` arguments) for the block, cleared after it."""
    emu.set_faults(**kw)
    try:
        yield
    finally:
        emu.clear_faults()


@pytest.fixture
def slow_users(emu: Any) -> Any:
    # 1.5 to 4.5 s per answer (the emulator jitters latency by 0.5x to 1.5x), only under /api/v2/users
    with faults(emu, latency_ms=3000, path_prefix="api/v2/users"):
        yield emu


def test_retries_are_said_one_line_each(cli: Cli, slow_users: Any) -> None:
    env = emu_env(slow_users)
    r = cli("--rate-limit", "0", "--timeout", "0.5", "user", "2", env=env)
    assert r.code == 7, r.err
    host = str(slow_users.base_url).split("://", 1)[1].rstrip("/")
    retries = [line for line in r.err_lines if "retrying" in line]
    assert len(retries) == 3, r.err
    for n, line in enumerate(retries, 1):
        assert line.startswith(f"osukit: no answer from {host} after 0.5 s; retrying")
        assert line.endswith(f"({n}/3)…")
    # in words naming the server, as the retries were said; no class name (ReadTimeout)
    # "within 0.5 s" measured: a loaded machine may say a little more
    assert re.fullmatch(rf"osukit: error: no answer from {re.escape(host)} within [\d.]+ s \(GET "
                        rf"{re.escape(slow_users.base_url.rstrip('/'))}/api/v2/users/2\)", r.err_lines[-2]), r.err
    assert "Timeout" not in r.err
    assert "--timeout" in r.err_lines[-1]
    assert "Traceback" not in r.err
    assert env["OSU_CLIENT_SECRET"] not in r.err


def test_token_request_retries_are_said_too(cli: Cli, emu: Any) -> None:
    """A slow token endpoint is not silence either: its retries go through the same notice."""
    with faults(emu, latency_ms=3000, path_prefix="oauth/token"):
        env = emu_env(emu)
        r = cli("--rate-limit", "0", "--timeout", "0.5", "user", "2", env=env)
    assert r.code == 7, r.err
    host = str(emu.base_url).split("://", 1)[1].rstrip("/")
    retries = [line for line in r.err_lines if "retrying" in line]
    assert len(retries) == 3, r.err
    for n, line in enumerate(retries, 1):
        assert line.startswith(f"osukit: no answer from {host} after 0.5 s; retrying") and line.endswith(f"({n}/3)…")
    assert "Traceback" not in r.err and env["OSU_CLIENT_SECRET"] not in r.err
    # the same words as any request's timeout (not "token request failed: ReadTimeout")
    assert re.fullmatch(rf"osukit: error: no answer from {re.escape(host)} within [\d.]+ s \(POST "
                        rf"{re.escape(emu.base_url.rstrip('/'))}/oauth/token\)", r.err_lines[-2]), r.err


def test_a_dropped_connection_is_said_as_such(cli: Cli, emu: Any) -> None:
    """The server was reached, then the connection dropped (every try): "the connection to HOST broke",
    not "could not reach the server"; still a typed TransportError (exit 7)."""
    with faults(emu, drop_rate=1.0, path_prefix="api/v2/users"):
        r = cli("--rate-limit", "0", "user", "2", env=emu_env(emu))
    host = str(emu.base_url).split("://", 1)[1].rstrip("/")
    assert r.code == 7, r.err
    assert r.err_lines[-2] == f"osukit: error: the connection to {host} broke (GET {emu.base_url.rstrip('/')}/api/v2/users/2)", r.err
    assert "could not reach" not in r.err and "Error" not in r.err_lines[-2]


@pytest.mark.parametrize("fault", ["truncate_rate", "malformed_rate"])
def test_a_broken_answer_is_a_network_fault_not_a_model_mismatch(cli: Cli, emu: Any, fault: str) -> None:
    """A 200 whose body is cut short (or not JSON at all), on every try: after the three retries a
    `MalformedResponseError` (a `TransportError`, exit 7) in words, with no "report it" hint; a body that
    is JSON but does not fit the model stays a `DecodeError`."""
    import osukit

    with faults(emu, **{fault: 1.0}, path_prefix="api/v2/users"):
        r = cli("--rate-limit", "0", "user", "2", env=emu_env(emu))
        with osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                           rate_limit=0, retry=False) as osu, pytest.raises(osukit.MalformedResponseError) as info:
            osu.users.get(2)
    assert isinstance(info.value, osukit.TransportError) and not isinstance(info.value, osukit.DecodeError)
    host = str(emu.base_url).split("://", 1)[1].rstrip("/")
    assert r.code == 7, r.err
    retries = [line for line in r.err_lines if "retrying" in line]
    assert [line.startswith(f"osukit: {host} sent a broken answer; retrying") for line in retries] == [True] * 3, r.err
    assert r.err_lines[-2] == (f"osukit: error: {host} sent a broken answer (not valid JSON) "
                               f"(GET {emu.base_url.rstrip('/')}/api/v2/users/2)"), r.err
    assert "report" not in r.err and "model" not in r.err and "Traceback" not in r.err


@pytest.mark.parametrize("fault", ["truncate_rate", "malformed_rate"])
def test_a_broken_token_answer_is_a_network_fault_not_refused_credentials(cli: Cli, emu: Any, fault: str) -> None:
    """The same for the token endpoint: a 200 from ``/oauth/token`` that is cut short on every try is no
    refusal of the credentials (exit 4, "check OSU_CLIENT_ID"), but a `MalformedResponseError` (exit 7)."""
    with faults(emu, **{fault: 1.0}, path_prefix="oauth/token"):
        r = cli("--rate-limit", "0", "user", "2", env=emu_env(emu))
    host = str(emu.base_url).split("://", 1)[1].rstrip("/")
    assert r.code == 7, r.err
    assert r.err_lines[-2] == (f"osukit: error: {host} sent a broken answer (not a JSON object) "
                               f"(POST {emu.base_url.rstrip('/')}/oauth/token)"), r.err
    assert "OSU_CLIENT_ID" not in r.err and "Traceback" not in r.err


def test_final_failures_are_typed_and_in_words(emu: Any) -> None:
    import osukit

    with faults(emu, drop_rate=1.0, path_prefix="api/v2/users"):
        with osukit.Client(client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url,
                           rate_limit=0, retry=False) as client:
            with pytest.raises(osukit.TransportError) as info:
                client.users.get(2)
    assert type(info.value) is osukit.TransportError
    assert str(info.value).startswith("the connection to 127.0.0.1:")
    with osukit.Client(client_id=1, client_secret="x" * 10, base_url="http://127.0.0.1:9", rate_limit=0,
                       retry=False) as down:
        with pytest.raises(osukit.TransportError) as info:
            down.users.get(2)
    assert str(info.value) == "could not connect to 127.0.0.1:9 (POST http://127.0.0.1:9/oauth/token)"


def test_timeout_from_env_and_config(cli: Cli, slow_users: Any, tmp_path: Any) -> None:
    env = {**emu_env(slow_users), "OSUKIT_TIMEOUT": "0.5"}
    r = cli("--rate-limit", "0", "user", "2", env=env)
    assert r.code == 7 and "after 0.5 s; retrying" in r.err, r.err
    config = tmp_path / "c.toml"
    config.write_text("timeout = 0.5\n")
    r = cli("--rate-limit", "0", "--config", str(config), "user", "2", env=emu_env(slow_users))
    assert r.code == 7 and "after 0.5 s; retrying" in r.err, r.err
    shown = cli("--config", str(config), "config", "show")
    assert [line.split() for line in shown.out.splitlines() if line.startswith("timeout")] == [
        ["timeout", "0.5", "(config)"]]


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan"])
def test_a_bad_timeout_setting_is_refused(cli: Cli, value: str) -> None:
    r = cli("user", "2", env={"OSUKIT_TIMEOUT": value, "OSU_ACCESS_TOKEN": "a" * 40})
    assert r.code == 3, r.err
    assert "timeout (environment variable OSUKIT_TIMEOUT) must be a number of seconds > 0" in r.err


def test_timeout_option_is_checked(cli: Cli) -> None:
    r = cli("--timeout", "0", "user", "2")
    assert r.code == 2, r.err


def test_no_notice_when_all_goes_well(cli: Cli, emu: Any) -> None:
    r = cli("--rate-limit", "0", "user", "2", env=emu_env(emu))
    assert r.code == 0, r.err
    assert r.err == ""


def test_retry_cause_words() -> None:
    import httpx

    from osukit.retry import retry_cause

    url = "https://user:pw@osu.ppy.sh/api/v2/users/2?k=secret"
    assert retry_cause(url, error=httpx.ReadTimeout("x"), waited=30.02) == "no answer from osu.ppy.sh after 30 s"
    assert retry_cause(url, status=503) == "osu.ppy.sh answered 503"
    assert retry_cause(url, status=429) == "osu.ppy.sh is rate limiting (429)"
    assert retry_cause(url, error=httpx.ConnectError("x")) == "could not connect to osu.ppy.sh"
    assert retry_cause("http://127.0.0.1:8000/api", error=httpx.RemoteProtocolError("x")) == (
        "the connection to 127.0.0.1:8000 broke")


def test_retry_cause_words_match_the_final_error_and_keep_the_class_at_debug(
        caplog: pytest.LogCaptureFixture) -> None:
    """A retry line says what the final error says (`failure_words`), with no class name; the class is
    kept for ``--debug`` on the ``osukit.retry`` logger."""
    import httpx

    from osukit.retry import failure_words, retry_cause

    url = "http://127.0.0.1:8000/api/v2/users/2"
    for error in (httpx.ConnectError("x"), httpx.RemoteProtocolError("x"), httpx.ReadError("x"),
                  httpx.WriteError("x")):
        with caplog.at_level(logging.DEBUG, logger="osukit.retry"):
            caplog.clear()
            words = retry_cause(url, error=error)
        assert words == failure_words(url, error, 0.0), words
        assert "Error" not in words and "(" not in words, words
        assert type(error).__name__ in caplog.text


def test_the_client_logs_a_retry_notice(emu: Any, caplog: pytest.LogCaptureFixture) -> None:
    import osukit
    from osukit.retry import RetryNotice, RetryPolicy

    with faults(emu, error_rate=1.0, error_statuses=[503], path_prefix="api/v2/users"):
        with caplog.at_level(logging.INFO, logger="osukit"), osukit.Client(
                client_id=emu.client_id, client_secret=emu.client_secret, base_url=emu.base_url, rate_limit=0,
                retry=RetryPolicy(max_retries=2, initial_delay=0.01, jitter=False)) as client:
            with pytest.raises(osukit.ServerError):
                client.users.get(2)
    notices = [r.osukit_retry for r in caplog.records if hasattr(r, "osukit_retry")]
    host = str(emu.base_url).split("://", 1)[1].rstrip("/")
    assert notices == [RetryNotice(f"{host} answered 503", 1, 2, 0.01), RetryNotice(f"{host} answered 503", 2, 2, 0.02)]


@pytest.mark.parametrize("port", ["99999", "65536", "-5", "-1"])
def test_serve_refuses_a_port_out_of_range(cli: Cli, port: str) -> None:
    r = cli("emulator", "serve", "--port", port, timeout=60)
    assert r.code == 2, r.err
    assert r.err_lines == [f"osukit: error: --port {port} is not a TCP port",
                           "hint: use 1 to 65535, or 0 for any free port"]


def test_emulator_module_refuses_a_port_out_of_range() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "osukit.emulator", "--port", "99999"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "argument --port: must be 0 to 65535 (0: any free port), not '99999'" in proc.stderr


def test_the_timeout_hint_is_a_command_that_runs(cli: Cli, emu: Any) -> None:
    """The hint is the command as run with twice the time, the global option where it goes (``osukit
    --timeout 1 … user 2``, not ``osukit user 2 --timeout 60``, which the parser refuses): run as printed,
    it is accepted (and here succeeds once the server is quick again)."""
    import shlex

    env = emu_env(emu)
    with faults(emu, latency_ms=3000, path_prefix="api/v2/users"):
        r = cli("--rate-limit", "0", "--timeout", "0.5", "user", "2", env=env)
    assert r.code == 7, r.err
    hint = r.err_lines[-1]
    assert hint.startswith("hint: ") and hint.count("`") == 2, hint
    line = hint.split("`")[1]
    assert line == "osukit --timeout 1 --rate-limit 0 user 2", line
    words = shlex.split(line)
    assert words[0] == "osukit"
    again = cli(*words[1:], env=env)
    assert again.code == 0, again.err


def test_with_timeout_words() -> None:
    from osukit.cli._errors import with_timeout

    assert with_timeout(["user", "2"], env={}) == "osukit --timeout 60 user 2"  # twice the 30 s default
    assert with_timeout(["user", "2"], env={"OSUKIT_TIMEOUT": "45"}) == "osukit --timeout 90 user 2"
    assert with_timeout(["--timeout=5", "user", "my name"], env={}) == "osukit --timeout 10 user 'my name'"
    # a secret never shows (its environment variable stands in); login's own --timeout stays the login's
    assert with_timeout(["--client-secret", "s3cr3t", "--api-key=k3y", "login", "--timeout", "30"], env={}) == (
        'osukit --timeout 60 --client-secret "$OSU_CLIENT_SECRET" --api-key="$OSU_API_KEY" login --timeout 30')


@pytest.mark.parametrize("value", ["0", "-5"])
def test_login_timeout_is_checked_as_the_global_one(cli: Cli, value: str) -> None:
    """`login --timeout -5` is refused (exit 2, the same range and words as the global --timeout), not
    "waiting up to -5 s"."""
    r = cli("--client-id", "1", "--client-secret", "x", "login", "--no-browser", "--timeout", value, input="")
    assert r.code == 2, (r.out, r.err)
    assert "waiting up to" not in r.err
    glob = cli("--timeout", value, "user", "2")
    assert glob.code == 2
    assert r.err_lines[0] == glob.err_lines[0], (r.err, glob.err)


@pytest.mark.parametrize(("status", "requests"), [(500, 1), (503, 4)])
def test_exit_8_as_docs_cli_md_says(cli: Cli, emu: Any, status: int, requests: int) -> None:
    """docs/cli.md's exit 8: a 500 at once (not retried), a 503 after the 3 retries (docs/rate-limits.md)."""
    from pathlib import Path

    row = next(line for line in (Path(__file__).parents[2] / "docs" / "cli.md").read_text().splitlines()
               if line.startswith("| 8 |"))
    assert "a 500, or any 5xx to a POST, at once" in row and "502, 503 or 504 still there after the retries" in row
    env = emu_env(emu)
    assert cli("--rate-limit", "0", "user", "2", env=env).code == 0  # the token is fetched and kept
    with faults(emu, error_rate=1.0, error_statuses=[status], path_prefix="api/v2/users"):
        emu.reset_stats()
        r = cli("--rate-limit", "0", "user", "2", env=env)
        sent = emu.stats()["faults"]
    assert r.code == 8, r.err
    assert sent == {f"status_{status}": requests}, sent
