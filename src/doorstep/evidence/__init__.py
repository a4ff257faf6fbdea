"""Evidence packages and share receipts: build them on the hub, verify them anywhere.

    package   write a package (a ZIP): sealed parts as stored, keys, terms, custody log,
              a SHA-256 manifest signed with the hub's audit log key
    verify    check a package offline, file by file, and optionally decrypt it
    receipt   sign and verify the receipt an agency gets for a share
    custody   audit entries with inclusion proofs into one signed checkpoint

The format and what each check proves are in ``docs/evidence.md``.
"""

from __future__ import annotations

from doorstep.errors import DoorstepError


class EvidenceError(DoorstepError):
    """A package or receipt that does not verify.

    ``file`` names the package file (``clips/<id>/clip.sealed``, ``manifest.json``) or
    the receipt field (``signature``, ``receipt.audit``) at fault; ``check`` names the
    check that failed (``sha256``, ``signature``, ``custody`` ...). The detail starts
    with ``file``.
    """

    code = "evidence_error"

    def __init__(self, file: str, check: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.check = check
