"""Cloud settings: TLS by default, no token in clear text by accident, no token in any repr."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from sentinel.runtime.cloud.channel import tls_context
from sentinel.runtime.cloud.config import CloudConfig, CloudConfigError

from .conftest import config_for

BASE = {
    "SENTINEL_CLOUD_ENDPOINT": "wss://governance.example.com/v1/agents/connect",
    "SENTINEL_CLOUD_API_URL": "https://governance.example.com",
    "SENTINEL_CLOUD_ORG_ID": "acme",
    "SENTINEL_CLOUD_AGENT_ID": "agent-1",
    "SENTINEL_CLOUD_TOKEN": "s3cret-token",
}


def test_settings_come_from_the_environment() -> None:
    config = CloudConfig.from_environ(
        {**BASE, "SENTINEL_CLOUD_HEARTBEAT_S": "10", "SENTINEL_CLOUD_MAX_RETRIES": "5"}
    )
    assert (config.org_id, config.heartbeat_interval, config.max_retries) == ("acme", 10.0, 5)


def test_the_heartbeat_interval_defaults_to_30_s() -> None:
    assert CloudConfig.from_environ(BASE).heartbeat_interval == 30.0


def test_plain_ws_to_a_remote_host_is_refused() -> None:
    with pytest.raises(CloudConfigError, match="unencrypted"):
        CloudConfig.from_environ({**BASE, "SENTINEL_CLOUD_ENDPOINT": "ws://governance.example.com/x"})


def test_plain_http_api_to_a_remote_host_is_refused() -> None:
    with pytest.raises(CloudConfigError, match="SENTINEL_CLOUD_API_URL"):
        CloudConfig.from_environ({**BASE, "SENTINEL_CLOUD_API_URL": "http://governance.example.com"})


def test_plain_ws_to_a_remote_host_is_allowed_only_when_asked_for() -> None:
    env = {**BASE, "SENTINEL_CLOUD_ENDPOINT": "ws://10.0.0.5/x", "SENTINEL_CLOUD_ALLOW_INSECURE": "1"}
    assert CloudConfig.from_environ(env).endpoint == "ws://10.0.0.5/x"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_plain_ws_to_loopback_is_allowed(host: str) -> None:
    assert config_for(f"ws://{host}:8000/x").endpoint == f"ws://{host}:8000/x"


def test_credentials_in_the_url_are_refused() -> None:
    with pytest.raises(CloudConfigError, match="credentials"):
        CloudConfig.from_environ({**BASE, "SENTINEL_CLOUD_ENDPOINT": "wss://user:pw@governance.example.com/"})


def test_a_token_with_a_line_break_is_refused() -> None:
    with pytest.raises(CloudConfigError, match="SENTINEL_CLOUD_TOKEN"):
        CloudConfig.from_environ({**BASE, "SENTINEL_CLOUD_TOKEN": "abc\r\nX-Injected: 1"})


def test_a_missing_org_id_is_refused() -> None:
    with pytest.raises(CloudConfigError, match="SENTINEL_CLOUD_ORG_ID"):
        CloudConfig.from_environ({**BASE, "SENTINEL_CLOUD_ORG_ID": ""})


def test_the_token_never_appears_in_the_repr() -> None:
    assert "s3cret-token" not in repr(CloudConfig.from_environ(BASE))


def test_tls_verification_is_on_by_default() -> None:
    context = tls_context(CloudConfig.from_environ(BASE))
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_a_private_ca_is_added_without_turning_verification_off(tmp_path: Path) -> None:
    from .test_tls import write_self_signed

    cert, _ = write_self_signed(tmp_path)
    context = tls_context(CloudConfig.from_environ({**BASE, "SENTINEL_CLOUD_CA_FILE": str(cert)}))
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize("value", ["abc", "1e309", "nan", "inf"])
def test_a_setting_that_is_not_a_finite_number_is_refused(value: str) -> None:
    with pytest.raises(CloudConfigError, match="SENTINEL_CLOUD_MAX_RETRIES"):
        CloudConfig.from_environ({**BASE, "SENTINEL_CLOUD_MAX_RETRIES": value})
