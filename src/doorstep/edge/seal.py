"""The one place where event parts are sealed before they enter the outbox.

Every part an edge device sends (clip, snapshot, details) goes through :func:`seal_part`
and nothing else. Today it is the identity: end-to-end encryption replaces its body
with the clip format of ``docs/crypto-format.md``, and no other code has to change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SealContext:
    """What a sealing step may bind into its output: which clip, camera and part."""

    clip_id: str
    camera_id: str
    part: str


def seal_part(plaintext: bytes, context: SealContext) -> bytes:
    """Return the bytes to store and upload for one part (identity until E2EE lands)."""
    return plaintext
