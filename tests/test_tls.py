"""The local CA and the server certificate `doorstep up --lan` makes: names, lifetimes,
key modes, the CA kept across runs, the certificate renewed when an address changes."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from doorstep.errors import ConfigurationError
from doorstep.tls import (
    CA_KEY_FILE,
    LocalTls,
    check_key_file,
    ensure_local_tls,
    is_loopback,
    load_certificate,
    spki_pin,
)

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LAN = [ipaddress.ip_address("192.168.1.20"), ipaddress.ip_address("fd12:3456::20")]


def make(
    directory: Path,
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = LAN,
    now: datetime = NOW,
) -> LocalTls:
    return ensure_local_tls(directory, hostname="doorbell", addresses=addresses, now=now)


def names_of(certificate: x509.Certificate) -> set[str]:
    extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return {str(name.value) for name in extension.value}


def test_ca_and_server_certificate(tmp_path: Path) -> None:
    tls = make(tmp_path / "tls")
    ca = load_certificate(tls.ca)
    server = load_certificate(tls.certificate)

    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Doorstep local CA doorbell"
    )
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert ca.not_valid_after_utc - ca.not_valid_before_utc >= timedelta(days=3650)
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
    assert ca.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]

    server.verify_directly_issued_by(ca)
    assert names_of(server) == {
        "doorbell",
        "doorbell.local",
        "localhost",
        "127.0.0.1",
        "::1",
        "192.168.1.20",
        "fd12:3456::20",
    }
    assert set(tls.names) == names_of(server)
    assert server.not_valid_after_utc - server.not_valid_before_utc <= timedelta(days=398)
    assert server.not_valid_after_utc > NOW + timedelta(days=390)
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usages = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert tls.ca_fingerprint.count(":") == 31 and tls.ca_fingerprint.isupper()

    for key in (tls.key, tls.ca.with_name(CA_KEY_FILE)):
        assert key.stat().st_mode & 0o777 == 0o600
    assert tls.ca.parent.stat().st_mode & 0o777 == 0o700
    assert b"PRIVATE KEY" not in tls.certificate.read_bytes()


def test_the_ca_is_kept_and_the_certificate_reused(tmp_path: Path) -> None:
    first = make(tmp_path / "tls")
    served = first.certificate.read_bytes()
    again = make(tmp_path / "tls", now=NOW + timedelta(days=100))
    assert not again.issued
    assert again.ca_fingerprint == first.ca_fingerprint
    assert again.certificate.read_bytes() == served


def test_a_changed_address_renews_the_certificate_under_the_same_ca(tmp_path: Path) -> None:
    first = make(tmp_path / "tls")
    moved = make(tmp_path / "tls", addresses=[ipaddress.ip_address("10.0.0.7")])
    assert moved.issued and moved.ca_fingerprint == first.ca_fingerprint
    server = load_certificate(moved.certificate)
    assert "10.0.0.7" in names_of(server) and "192.168.1.20" not in names_of(server)
    server.verify_directly_issued_by(load_certificate(moved.ca))


def test_a_certificate_near_expiry_is_renewed(tmp_path: Path) -> None:
    first = make(tmp_path / "tls")
    later = make(tmp_path / "tls", now=NOW + timedelta(days=380))
    assert later.issued and later.ca_fingerprint == first.ca_fingerprint
    assert load_certificate(later.certificate).not_valid_after_utc > NOW + timedelta(days=700)


def test_a_server_key_that_does_not_match_is_replaced(tmp_path: Path) -> None:
    first = make(tmp_path / "tls")
    other = tmp_path / "other"
    make(other)
    first.key.write_bytes((other / "server.key").read_bytes())
    assert make(tmp_path / "tls").issued


def test_a_readable_ca_key_is_refused(tmp_path: Path) -> None:
    tls = make(tmp_path / "tls")
    key = tls.ca.with_name(CA_KEY_FILE)
    key.chmod(0o640)
    with pytest.raises(ConfigurationError, match="must have mode 0600 .it is 640"):
        make(tmp_path / "tls")
    with pytest.raises(ConfigurationError, match="--tls-key: .* does not exist"):
        check_key_file(tmp_path / "missing.key")


def test_spki_pin_is_the_public_key_hash(tmp_path: Path) -> None:
    tls = make(tmp_path / "tls")
    pin = spki_pin(load_certificate(tls.certificate))
    assert len(pin) == 44 and pin.endswith("=")
    assert pin != spki_pin(load_certificate(tls.ca))


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.invalid", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
