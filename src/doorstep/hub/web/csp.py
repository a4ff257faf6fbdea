"""The Content-Security-Policy every HTML page gets, and HSTS for pages served over HTTPS.

``SecurityHeaders`` (hub/middleware.py) adds ``page_csp()`` to each ``text/html`` response
that does not carry a policy of its own (the transparency page keeps its stricter one).
Scripts and styles come only from the hub: no inline script, no inline style, no CDN.
``'wasm-unsafe-eval'`` lets the passphrase box compile its Argon2id WebAssembly; it does
not allow ``eval``. ``media-src blob:`` is where the player puts decrypted video.
"""

from __future__ import annotations

PAGE_CSP_DIRECTIVES: tuple[str, ...] = (
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)

# Browsers keep to HTTPS for a year once they have seen this over HTTPS.
HSTS = "max-age=31536000"


def page_csp(*, https: bool) -> str:
    """The policy for a page; over HTTPS it also upgrades any stray http:// subresource."""
    directives = PAGE_CSP_DIRECTIVES + (("upgrade-insecure-requests",) if https else ())
    return "; ".join(directives)
