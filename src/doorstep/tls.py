"""HTTPS for a hub on a home network: a local CA and a certificate for the machine.

Browsers give WebCrypto (which decrypts clips) only to secure pages, so a hub that
phones and laptops reach over the LAN must speak HTTPS. ``doorstep up --lan`` makes, once,
a local certificate authority (kept in the data directory, its key readable by its owner
only) and from it a server certificate naming the machine's addresses; the person then
trusts the CA on their devices once. The server certificate is renewed when the
machine's names change or it nears expiry; the CA stays, so devices keep trusting it.

Nothing here touches the network: the machine's addresses are read from its interfaces
and passed in, so tests give their own.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import socket
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from doorstep.errors import ConfigurationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CA_LIFETIME = timedelta(days=3650)
# Browsers refuse server certificates valid for longer than 398 days.
SERVER_LIFETIME = timedelta(days=397)
RENEW_BEFORE = timedelta(days=30)
CA_FILE = "doorstep-local-ca.crt"
CA_KEY_FILE = "doorstep-local-ca.key"
SERVER_FILE = "server.crt"
SERVER_KEY_FILE = "server.key"


@dataclass(frozen=True)
class LocalTls:
    """The files ``hub serve`` needs, the CA a device trusts, and what happened."""

    ca: Path
    certificate: Path
    key: Path
    ca_fingerprint: str  # SHA-256 of the CA certificate, colon-separated hex
    names: tuple[str, ...]  # the server certificate's DNS names and addresses
    issued: bool  # a new server certificate was made this time


def check_key_file(path: Path, *, label: str = "--tls-key") -> None:
    """A private key file must exist and be readable by its owner only."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{label}: {path} does not exist") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"{label}: {path} must have mode 0600 (it is {mode & 0o777:o}); run: chmod 600 {path}"
        )


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only (plain http is allowed there)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(found) and all(
        ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in found
    )


def machine_addresses() -> list[IPAddress]:
    """The machine's own non-loopback addresses (IPv6 link-local left out: a browser can't
    name them in a URL without a zone)."""
    found: set[IPAddress] = set()
    candidates: list[str] = []
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            candidates.append(str(info[4][0]))
    except OSError:
        pass
    # The addresses the default routes leave from (connect on UDP sends no packet).
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))
                candidates.append(str(udp.getsockname()[0]))
        except OSError:
            pass
    candidates += _linux_interface_addresses()
    for text in candidates:
        try:
            address = ipaddress.ip_address(text.split("%")[0])
        except ValueError:
            continue
        if not (address.is_loopback or address.is_link_local or address.is_unspecified):
            found.add(address)
    return sorted(found, key=lambda a: (a.version, int(a)))


def _linux_interface_addresses() -> list[str]:
    """Every interface's addresses on Linux: IPv6 from /proc, IPv4 by ioctl."""
    addresses: list[str] = []
    inet6 = Path("/proc/net/if_inet6")
    if inet6.exists():
        for line in inet6.read_text().splitlines():
            raw = line.split()[0]
            addresses.append(str(ipaddress.IPv6Address(bytes.fromhex(raw))))
    try:
        import fcntl
        import struct
    except ImportError:
        return addresses
    siocgifaddr = 0x8915
    for _, name in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                packed = fcntl.ioctl(
                    probe.fileno(), siocgifaddr, struct.pack("256s", name.encode()[:15])
                )
            except OSError:
                continue
            addresses.append(socket.inet_ntoa(packed[20:24]))
    return addresses


def server_names(hostname: str, addresses: Iterable[IPAddress]) -> list[x509.GeneralName]:
    """The subject alternative names of the server certificate, in a fixed order."""
    dns = dict.fromkeys([hostname, f"{hostname}.local", "localhost"])
    ips = dict.fromkeys(
        [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"), *addresses]
    )
    return [x509.DNSName(name) for name in dns] + [x509.IPAddress(ip) for ip in ips]


def ensure_local_tls(
    directory: Path,
    *,
    hostname: str | None = None,
    addresses: Sequence[IPAddress] | None = None,
    now: datetime | None = None,
) -> LocalTls:
    """The local CA (made once) and a server certificate for ``hostname`` and
    ``addresses`` (the machine's own by default), renewed when those change or it is
    within 30 days of expiry."""
    hostname = hostname or socket.gethostname()
    addresses = machine_addresses() if addresses is None else addresses
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    ca_cert, ca_key = _load_or_create_ca(directory, hostname, now)
    names = server_names(hostname, addresses)
    certificate_path = directory / SERVER_FILE
    issued = not _server_still_good(certificate_path, ca_cert, names, now)
    if issued:
        _issue_server(directory, ca_cert, ca_key, hostname, names, now)
    return LocalTls(
        ca=directory / CA_FILE,
        certificate=certificate_path,
        key=directory / SERVER_KEY_FILE,
        ca_fingerprint=fingerprint(ca_cert),
        names=tuple(str(name.value) for name in names),
        issued=issued,
    )


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate (DER), as devices show it: AB:CD:..."""
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def spki_pin(certificate: x509.Certificate) -> str:
    """Base64 SHA-256 of the certificate's public key info (Chromium's
    --ignore-certificate-errors-spki-list takes these)."""
    der = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return base64.b64encode(digest.finalize()).decode()


def load_certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600 from the start, replacing it atomically."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    temporary.replace(path)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_or_create_ca(
    directory: Path, hostname: str, now: datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = directory / CA_FILE, directory / CA_KEY_FILE
    if cert_path.exists() and key_path.exists():
        check_key_file(key_path, label="the local CA's key")
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ConfigurationError(f"{key_path} is not an EC private key")
        return load_certificate(cert_path), key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Doorstep local CA {hostname}")])
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate, key


def _server_still_good(
    path: Path, ca: x509.Certificate, names: list[x509.GeneralName], now: datetime
) -> bool:
    if not path.exists() or not (path.parent / SERVER_KEY_FILE).exists():
        return False
    certificate = load_certificate(path)
    key = serialization.load_pem_private_key(
        (path.parent / SERVER_KEY_FILE).read_bytes(), password=None
    )
    if key.public_key() != certificate.public_key():
        return False
    try:
        certificate.verify_directly_issued_by(ca)
        listed = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return set(listed.value) == set(names) and certificate.not_valid_after_utc - now > RENEW_BEFORE


def _issue_server(
    directory: Path,
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    hostname: str,
    names: list[x509.GeneralName],
    now: datetime,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
        .issuer_name(ca.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + SERVER_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(directory / SERVER_KEY_FILE, _pem_key(key))
    # The chain: the server certificate, then the CA's.
    chain = certificate.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(
        serialization.Encoding.PEM
    )
    (directory / SERVER_FILE).write_bytes(chain)
