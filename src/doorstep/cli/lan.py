"""``doorstep up --lan``: where to listen, and how each device comes to trust the local CA."""

from __future__ import annotations

import socket

from doorstep.cli.output import console
from doorstep.errors import ConfigurationError
from doorstep.tls import LocalTls


def lan_socket(port: int) -> socket.socket:
    """A listening socket on every address: IPv6 and IPv4 on one socket where the machine
    has IPv6 (asyncio would make an IPv6-only one), else IPv4 only."""
    try:
        listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        address: tuple[str, int] = ("::", port)
    except OSError:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        address = ("0.0.0.0", port)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        raise ConfigurationError(f"--port: can't listen on port {port}: {exc.strerror}") from exc
    listener.listen(2048)
    return listener


def lan_urls(tls: LocalTls, port: int) -> list[str]:
    """The addresses a device on the home network can open, hostname first."""
    urls = []
    for name in tls.names:
        if name in ("localhost", "127.0.0.1", "::1"):
            continue
        host = f"[{name}]" if ":" in name else name
        urls.append(f"https://{host}:{port}")
    return urls


def trust_steps(tls: LocalTls) -> list[tuple[str, str]]:
    """How to trust the CA on each kind of device: (where, what to do)."""
    ca = tls.ca
    return [
        (
            "Debian/Ubuntu",
            f"sudo cp {ca} /usr/local/share/ca-certificates/ && sudo update-ca-certificates; "
            f'for Chromium also: certutil -d sql:$HOME/.pki/nssdb -A -t "C,," '
            f'-n "Doorstep local CA" -i {ca}',
        ),
        (
            "macOS",
            "sudo security add-trusted-cert -d -r trustRoot "
            f"-k /Library/Keychains/System.keychain {ca}",
        ),
        (
            "Windows",
            f"copy {ca.name} over, then in an administrator PowerShell: "
            f"certutil -addstore -f Root {ca.name}",
        ),
        (
            "Android",
            f"copy {ca.name} to the phone, then Settings > Security > Encryption & "
            "credentials > Install a certificate > CA certificate",
        ),
        (
            "iOS/iPadOS",
            f"AirDrop or mail {ca.name} to the device and open it; Settings > General > "
            "VPN & Device Management > install it; then Settings > General > About > "
            "Certificate Trust Settings > turn on full trust for it",
        ),
        (
            "Firefox",
            "Settings > Privacy & Security > Certificates > View Certificates > "
            f'Authorities > Import {ca.name}, tick "Trust this CA to identify websites"',
        ),
    ]


def print_lan(tls: LocalTls, port: int) -> None:
    """What a person needs to open the hub from their phone: the addresses, the CA file,
    how to trust it, and the fingerprint to compare."""
    renewed = "made a new" if tls.issued else "kept the"
    console.print(
        f"HTTPS for the home network: {renewed} server certificate for {', '.join(tls.names)}."
    )
    console.print(
        "Open Doorstep on your devices at: " + "  ".join(lan_urls(tls, port)),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        f"Trust the local CA [bold]{tls.ca}[/] once on each device (it signs only this "
        "hub's certificate; its key never leaves this machine):",
        highlight=False,
    )
    for where, what in trust_steps(tls):
        console.print(f"  {where}: {what}", highlight=False, soft_wrap=True)
    console.print(
        "Before trusting it, check that the device shows this SHA-256 fingerprint: "
        f"[bold]{tls.ca_fingerprint}[/]",
        highlight=False,
        soft_wrap=True,
    )
