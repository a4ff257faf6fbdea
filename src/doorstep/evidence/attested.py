"""A share's sealed attestation, opened with the clip key the agency unwrapped, and checked.

The attestation holds what the sharing resident's client saw opening each part: its
plaintext SHA-256 and device signature. Here it must open under the clip's key, name
the device key the manifest names, attest exactly the clip's parts, and each attested
signature must verify over the part's header (in clear) and the attested digest. The
decryption that follows checks that each part decrypts to the attested digest.
"""

from __future__ import annotations

from collections.abc import Mapping

from doorstep.crypto.attestation import Attestation, open_attestation
from doorstep.crypto.keys import ed25519_public
from doorstep.crypto.signing import verify_part_signature
from doorstep.errors import CryptoError
from doorstep.evidence import EvidenceError
from doorstep.evidence.package import MANIFEST, ClipEntry


def check_attestation(
    clip: ClipEntry, content_key: bytes, headers: Mapping[str, bytes]
) -> Attestation:
    """The clip's opened attestation; ``headers`` maps each part's file to its clear AAD."""
    where = f"clip {clip.clip_id}'s sealed attestation"
    if clip.sealed_attestation is None:
        raise EvidenceError(MANIFEST, "attestation", f"{where} is missing")
    try:
        attestation = open_attestation(
            clip.sealed_attestation, content_key=content_key, clip_id=clip.clip_id
        )
    except CryptoError as exc:
        raise EvidenceError(MANIFEST, "attestation", f"{where}: {exc.detail}") from exc
    if attestation.device_key_id != clip.device_key_id:
        raise EvidenceError(
            MANIFEST,
            "attestation",
            f"{where} names device key {attestation.device_key_id}, the manifest "
            f"{clip.device_key_id}",
        )
    names = sorted(part.name for part in clip.parts)
    if sorted(attestation.parts) != names:
        raise EvidenceError(
            MANIFEST,
            "attestation",
            f"{where} attests parts {sorted(attestation.parts)}, the clip has {names}",
        )
    device = ed25519_public(clip.device_public_key)
    for part in clip.parts:
        seen = attestation.parts[part.name]
        try:
            verify_part_signature(
                device,
                aad=headers[part.file],
                digest=seen.plaintext_sha256,
                signature=seen.device_signature,
            )
        except CryptoError as exc:
            raise EvidenceError(
                part.file,
                "device-signature",
                f"the attested plaintext SHA-256 and device signature don't verify over "
                f"this part's header: {exc.detail}",
            ) from exc
    return attestation
