"""TLS to the control channel: a certificate the agent cannot verify is refused; a trusted one connects."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.runtime.cloud.channel import RetriesExhausted
from testsupport.governance_server import ControlServer, LoopThread

from .conftest import FakeTime, config_for, make_channel


def write_self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made for this test."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "governance stand-in")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ControlServer, Path]]:
    cert, key = write_self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    loop = LoopThread()
    server = ControlServer(loop, ssl_context=context).start()
    yield server, cert
    server.stop()
    loop.close()


def test_an_unverifiable_certificate_is_refused(tls_server: tuple[ControlServer, Path]) -> None:
    server, _ = tls_server

    async def scenario() -> str | None:
        channel = make_channel(config_for(server.url), FakeTime(), max_retries=0)
        with pytest.raises(RetriesExhausted):
            await asyncio.wait_for(channel.run(), 10)
        return channel.status.last_error

    error = asyncio.run(scenario())
    assert error is not None and "SSLCertVerificationError" in error
    assert server.heartbeats() == []


def test_a_certificate_from_the_configured_ca_connects(tls_server: tuple[ControlServer, Path]) -> None:
    server, cert = tls_server

    async def scenario() -> None:
        fake = FakeTime()
        channel = make_channel(config_for(server.url, ca_file=cert), fake)
        task = asyncio.create_task(channel.run())
        await fake.next_sleep()
        await channel.stop()
        await task

    asyncio.run(scenario())
    assert server.connections == 1
