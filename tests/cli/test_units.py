"""In-process tests of the CLI's pieces: config parsing, error mapping, plots."""

from __future__ import annotations

import builtins
import datetime as dt
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

import pytest

import osukit
from osukit import _exceptions as E
from osukit.cli._config import Settings, parse_config
from osukit.cli._errors import ERRORS, ExitCode, explain


def test_every_osukit_error_has_a_message_and_exit_code() -> None:
    classes = {obj for _, obj in inspect.getmembers(E, inspect.isclass) if issubclass(obj, E.OsukitError)}
    missing = sorted(c.__name__ for c in classes if c not in ERRORS)
    assert not missing, f"no CLI message for {missing}"
    assert all(hint for _, hint, _ in ERRORS.values()), "every error class needs a hint"
    samples: list[BaseException] = [
        E.NotFoundError("User not found", status_code=404, method="GET", url="http://x/api/v2/users/1"),
        E.RateLimitError("slow down", status_code=429, retry_after=30),
        E.MissingScopeError("needs chat.read", scope="chat.read"),
        E.OAuthError("refused", status_code=401, error="invalid_client", hint="check the secret"),
        E.TimeoutError("ReadTimeout", method="GET", url="http://x"),
        E.MissingExtraError("plotting", "plot"),
        E.InvalidScopeError("bad", code="delegate_required"),
        E.TokenStoreError("damaged"),
        E.DecodeError("mismatch", route="GET api/v2/me", path="$.id"),
    ]
    for exc in samples:
        info = explain(exc)
        assert "\n" not in info.title and info.title
        assert info.code != ExitCode.OK
    assert explain(samples[0]).code == ExitCode.NOT_FOUND and "User not found" in explain(samples[0]).title
    assert "30 s" in (explain(samples[1]).hint or "")
    assert "--scope chat.read" in (explain(samples[2]).hint or "")
    assert "check the secret" in explain(samples[3]).title
    assert explain(samples[4]).code == ExitCode.NETWORK
    assert "pip install 'osukit[plot]'" in explain(samples[5]).title
    plot_missing = explain(samples[5])  # the install command is said once, in the line or in the hint
    assert ("pip install 'osukit[plot]'" in plot_missing.title) != (plot_missing.hint == "pip install 'osukit[plot]'")
    assert explain(ValueError("bad input")).code == ExitCode.USAGE
    ambiguous = explain(osukit.AmbiguousLoginError("2 users are logged in", user_ids=(2, 115880)))
    assert ambiguous.code == ExitCode.CONFIG and ambiguous.title.startswith("several users are logged in")
    assert "login(user_id=" in (ambiguous.hint or "")
    assert explain(RuntimeError("boom")).title.startswith("unexpected error: RuntimeError")


def test_config_parses_toml_and_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    text = '# comment\nclient_id = 123\nclient_secret = "s\\u00e9cret" # trailing\nbase_url = \'http://h\'\n'
    expected = {"client_id": 123, "client_secret": "s\u00e9cret", "base_url": "http://h"}
    assert parse_config(text) == expected
    real = importlib.import_module

    def no_tomllib(name: str, *args: Any) -> Any:
        if name == "tomllib":
            raise ImportError("no tomllib on 3.10")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_tomllib)
    assert parse_config(text) == expected
    with pytest.raises(osukit.ConfigurationError, match="tables are not supported"):
        parse_config("[profile]\nclient_id = 1\n")
    with pytest.raises(osukit.ConfigurationError, match="quoted strings"):
        parse_config("client_secret = unquoted\n")


def test_settings_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text('client_id = 1\nclient_secret = "file"\napi_key = "k"\n')
    monkeypatch.setenv("OSU_CLIENT_SECRET", "env")
    monkeypatch.delenv("OSU_CLIENT_ID", raising=False)
    monkeypatch.delenv("OSU_API_KEY", raising=False)
    s = Settings.resolve({"api_key": "opt"}, config_path=config)
    assert (s.client_id, s.client_secret, s.api_key) == ("1", "env", "opt")
    assert s.sources == {"client_id": "config", "client_secret": "env", "api_key": "option"}
    assert s.login_key == "osukit-cli:https://osu.ppy.sh"


def _user() -> dict[str, Any]:
    return {
        "username": "tester",
        "playmode": "osu",
        "rank_history": {"mode": "osu", "data": [5000 - i * 10 for i in range(90)]},
        "monthly_playcounts": [{"start_date": "2023-01-01", "count": 10}, {"start_date": "2023-04-01", "count": 30}],
    }


def test_plots_make_figures_and_pngs(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from osukit import plot

    fig = plot.rank_history(_user(), end=dt.date(2026, 1, 31))
    ax = fig.axes[0]
    assert "tester" in ax.get_title(loc="left") and ax.get_ylabel() == "global rank"
    assert ax.yaxis_inverted()
    fig.savefig(tmp_path / "r.png")
    fig = plot.activity(_user())
    bars = fig.axes[0].patches
    assert [b.get_height() for b in bars] == [10, 0, 0, 30]  # months without plays are filled in
    scores = [{"pp": 100 + i, "accuracy": 0.9 + i / 100, "rank": "S", "ended_at": f"2024-0{i + 1}-01T00:00:00Z"}
              for i in range(5)] + [{"pp": None, "accuracy": 1.0, "ended_at": "2024-01-01T00:00:00Z"}]
    fig = plot.top_plays(scores, title="Top")
    offsets = fig.axes[0].collections[0].get_offsets()
    assert len(offsets) == 5
    sizes = fig.axes[0].collections[0].get_sizes()
    assert list(sizes) == sorted(sizes)  # higher accuracy, bigger marker
    fig.savefig(tmp_path / "t.png")
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no rank history"):
        plot.rank_history({"username": "x"})
    with pytest.raises(ValueError):
        plot.top_plays([])
    with pytest.raises(ValueError):
        plot.activity({"username": "x", "monthly_playcounts": []})


def test_plot_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    from osukit import plot

    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    for mod in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, mod)
    with pytest.raises(osukit.MissingExtraError, match=r"osukit\[plot\]"):
        plot.rank_history(_user())


def test_status_lines_do_not_eat_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    from osukit.cli._render import say

    say("pip install 'osukit[pp]' for [Toy]'s scores")
    assert "osukit[pp]" in capsys.readouterr().out
