"""Credentials are checked where they are taken: ``client_id=...`` pasted from the docs, a non-int id or a
non-str secret is a ConfigurationError that says "replace the placeholder", before any request."""

from __future__ import annotations

from typing import Any

import pytest

import osukit
from osukit.auth import AuthorizationCode, ClientCredentials, UserToken

PLACEHOLDER_IDS: list[Any] = [..., "...", "…", "your-client-id", 1.5, True, [], -3, 0]
PLACEHOLDER_SECRETS: list[Any] = [..., "…", "...", 12345, b"secret"]


@pytest.mark.parametrize("client_id", PLACEHOLDER_IDS, ids=repr)
@pytest.mark.parametrize("cls", [osukit.Client, osukit.AsyncClient], ids=lambda c: c.__name__)
def test_clients_refuse_placeholder_client_ids(cls: Any, client_id: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSU_CLIENT_ID", raising=False)
    with pytest.raises(osukit.ConfigurationError, match="replace the placeholder") as info:
        cls(client_id=client_id, client_secret="s3cr3t-value")
    assert "client_id" in str(info.value) and "Ellipsis" not in str(info.value)


@pytest.mark.parametrize("secret", PLACEHOLDER_SECRETS, ids=repr)
@pytest.mark.parametrize("cls", [osukit.Client, osukit.AsyncClient], ids=lambda c: c.__name__)
def test_clients_refuse_placeholder_secrets(cls: Any, secret: Any) -> None:
    with pytest.raises(osukit.ConfigurationError, match="replace the placeholder") as info:
        cls(client_id=1, client_secret=secret)
    assert "client_secret" in str(info.value)


@pytest.mark.parametrize("cls", [osukit.Client, osukit.AsyncClient], ids=lambda c: c.__name__)
def test_v1_key_and_access_token_placeholders(cls: Any) -> None:
    with pytest.raises(osukit.ConfigurationError, match=r"api_key.*replace the placeholder"):
        cls(api_key=...)
    with pytest.raises(osukit.ConfigurationError, match=r"api_key.*replace the placeholder"):
        cls(api_key=123)
    with pytest.raises(osukit.ConfigurationError, match=r"access_token.*replace the placeholder"):
        cls(access_token=...)


@pytest.mark.parametrize("make", [
    lambda cid, s: ClientCredentials(cid, s, ("public",)),
    lambda cid, s: UserToken(cid, s, None),
    lambda cid, s: AuthorizationCode(cid, s, "http://127.0.0.1:8080/callback", ["public"]),
], ids=["ClientCredentials", "UserToken", "AuthorizationCode"])
def test_grants_refuse_placeholders(make: Any) -> None:
    with pytest.raises(osukit.ConfigurationError, match="replace the placeholder"):
        make(..., "secret")
    with pytest.raises(osukit.ConfigurationError, match="replace the placeholder"):
        make(1, ...)
    assert make(77, "secret").client_id == "77" and make("77", "secret").client_id == "77"


@pytest.mark.parametrize("cls", [osukit.ClientPool, osukit.AsyncClientPool], ids=lambda c: c.__name__)
def test_pools_refuse_placeholders(cls: Any) -> None:
    with pytest.raises(osukit.ConfigurationError, match="replace the placeholder") as info:
        cls(client_id=..., client_secret="s")
    assert "Ellipsis" not in str(info.value)
    with pytest.raises(osukit.ConfigurationError, match="replace the placeholder"):
        cls(client_id=1, client_secret=...)


def test_real_values_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSU_CLIENT_ID", "123")
    monkeypatch.setenv("OSU_CLIENT_SECRET", "from-env")
    with osukit.Client() as osu:
        assert osu.grant is not None and osu.grant.client_id == "123"
    with osukit.Client(client_id=5, client_secret="x", api_key="k") as osu:
        assert osu.api_key == "k"
    monkeypatch.setenv("OSU_CLIENT_ID", "...")
    with pytest.raises(osukit.ConfigurationError, match="replace the placeholder"):
        osukit.Client()


def test_the_secret_never_appears_in_the_error() -> None:
    with pytest.raises(osukit.ConfigurationError) as info:
        osukit.Client(client_id="not-a-number", client_secret="hunter2-secret")
    assert "hunter2-secret" not in str(info.value) and "hunter2-secret" not in repr(info.value)


def test_a_pasted_placeholder_says_the_credentials_can_come_from_the_environment() -> None:
    with pytest.raises(osukit.ConfigurationError) as info:
        osukit.Client(client_id=..., client_secret=...)
    text = str(info.value)
    assert "replace the placeholder" in text and "OSU_CLIENT_ID" in text and "OSU_CLIENT_SECRET" in text
