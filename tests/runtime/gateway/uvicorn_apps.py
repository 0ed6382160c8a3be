"""The gateway around the test app, built for ``uvicorn --factory`` (the token key from ``GATEWAY_TEST_KEY``,
a PEM private key file written by the test; a fresh key when unset)."""

from __future__ import annotations

import os
from pathlib import Path

from sentinel.runtime.gateway.deciders import LocalDecider
from sentinel.runtime.gateway.middleware import PolicyGateway
from sentinel.runtime.identity.keys import SigningKey, load_private_pem
from sentinel.runtime.identity.ports import StaticKeys
from sentinel.runtime.identity.tokens import TokenVerifier
from testsupport import gateway_apps as services

AUDIENCE = "items-api"


def items_gateway() -> PolicyGateway:
    path = os.environ.get("GATEWAY_TEST_KEY")
    key = load_private_pem(Path(path).read_bytes(), "gw-1") if path else SigningKey.generate("gw-1", "ES256")
    return PolicyGateway(
        services.inner_app(),
        verifier=TokenVerifier(StaticKeys(verification=[key.public()])),
        decider=LocalDecider(services.decider()),
        audience=AUDIENCE,
        routes=["/v1/items/{item}", "/v1/stream"],
    )
