"""Making two worlds' responses comparable: ids by order of first appearance, times blanked.

Two worlds built the same way differ only where the hub drew a random id or read the
clock. ``Normalizer`` rewrites those and nothing else, so whatever differs after it
is something the world's state changed:

- ids: UUIDs, and the opaque values drawn or derived per world — hex digests and key
  ids (32 hex digits or more), key fingerprints (a key id in eight groups of four,
  numbered as that key id), base64 keys, signatures and proofs (40 characters or
  more of the standard base64 alphabet) — each becomes ``<id N>``, N its order of
  first appearance in that world's whole capture (the same value twice is the same N);
- times: ISO dates and times, with or without a time of day, seconds, fraction or
  zone, become ``<time>``;
- bytes that aren't UTF-8 text (the package's sealed parts): ``<bytes LENGTH id N>``,
  N the id of their SHA-256, so the manifest's digest and the part it names agree.

Numbers, names, words and the order of things are left as they are.
"""

from __future__ import annotations

import hashlib
import re

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TIME = (
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2}| UTC)?"
)
HEX = r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])"
FINGERPRINT = r"(?<![0-9A-Za-z])[0-9a-f]{4}(?: [0-9a-f]{4}){7}(?![0-9A-Za-z])"
BASE64 = r"(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/]))[A-Za-z0-9+/]{40,}={0,2}"
# A backslash escape in JSON text ("\n" before a base64 line) is kept as it is.
ESCAPE = r"\\."
PATTERN = re.compile(
    f"(?P<escape>{ESCAPE})|(?P<uuid>{UUID})|(?P<time>{TIME})|(?P<hex>{HEX})"
    f"|(?P<fingerprint>{FINGERPRINT})|(?P<b64>{BASE64})"
)


class Normalizer:
    """One world's id numbering: feed it that world's responses in capture order."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def id_of(self, value: str) -> str:
        key = value.lower() if len(value) == 36 and value.count("-") == 4 else value
        number = self.ids.setdefault(key, len(self.ids) + 1)
        return f"<id {number}>"

    def text(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            if match["escape"] is not None:
                return match[0]
            if match["time"] is not None:
                return "<time>"
            if match["fingerprint"] is not None:
                return self.id_of(match[0].replace(" ", ""))
            return self.id_of(match[0])

        return PATTERN.sub(replace, text)

    def bytes(self, data: bytes) -> str:
        try:
            return self.text(data.decode("utf-8"))
        except UnicodeDecodeError:
            return f"<bytes {len(data)} {self.id_of(hashlib.sha256(data).hexdigest())}>"
