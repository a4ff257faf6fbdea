"""A home's key list, signed by an owner: the keys clients may encrypt to and trust.

The list names the home's keys (with versions; one current, the others retired), its
members' keys and its devices' keys. Each version is canonical JSON signed by an owner
of the version before it (or, for the first one a client sees, by an owner it trusts),
and carries the SHA-256 of the version before it, so a hub can't swap, drop or roll
back a key without the owner's signature. Layout and rules: ``docs/crypto-format.md``,
Home key list. Everything here is pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep.audit.entries import canonical_json
from doorstep.crypto.keys import check_x25519_public, ed25519_public, key_id, public_raw
from doorstep.errors import CryptoError

FORMAT = "doorstep home key list v1"
SIGNATURE_CONTEXT = b"doorstep home key list v1\0"
MAX_BODY_BYTES = 1 << 20
KEY_BYTES = 32
SIGNATURE_BYTES = 64

_KEY_ID = re.compile(r"[0-9a-f]{32}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_BODY_FIELDS = frozenset(
    {"format", "home_id", "version", "previous", "members", "home_keys", "devices", "removed"}
)
_MEMBER_FIELDS = frozenset({"user_id", "owner", "key_id", "public_key", "signing_key"})
_HOME_KEY_FIELDS = frozenset({"id", "public_key", "version", "retired"})
_DEVICE_FIELDS = frozenset({"device_id", "key_id", "public_key", "revoked"})
_REMOVED_FIELDS = frozenset({"user_id", "key_id"})
_SIGNED_FIELDS = frozenset({"version", "body", "signer", "signature"})


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    owner: bool
    key_id: str
    public_key: bytes
    signing_key: bytes


@dataclass(frozen=True)
class ListedHomeKey:
    id: str
    public_key: bytes
    version: int
    retired: bool


@dataclass(frozen=True)
class ListedDevice:
    device_id: uuid.UUID
    key_id: str
    public_key: bytes
    revoked: bool


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class KeyList:
    """One version of a home's key list, verified or about to be signed."""

    home_id: uuid.UUID
    version: int
    previous: str | None
    members: tuple[Member, ...]
    home_keys: tuple[ListedHomeKey, ...]
    devices: tuple[ListedDevice, ...]
    removed: tuple[tuple[uuid.UUID, str], ...] = ()

    def body(self) -> bytes:
        """The canonical JSON the owner signs, lists in their fixed order."""
        return canonical_json(
            {
                "format": FORMAT,
                "home_id": str(self.home_id),
                "version": self.version,
                "previous": self.previous,
                "members": [
                    {
                        "user_id": str(m.user_id),
                        "owner": m.owner,
                        "key_id": m.key_id,
                        "public_key": _b64(m.public_key),
                        "signing_key": _b64(m.signing_key),
                    }
                    for m in sorted(self.members, key=lambda m: str(m.user_id))
                ],
                "home_keys": [
                    {
                        "id": k.id,
                        "public_key": _b64(k.public_key),
                        "version": k.version,
                        "retired": k.retired,
                    }
                    for k in sorted(self.home_keys, key=lambda k: k.version)
                ],
                "devices": [
                    {
                        "device_id": str(d.device_id),
                        "key_id": d.key_id,
                        "public_key": _b64(d.public_key),
                        "revoked": d.revoked,
                    }
                    for d in sorted(self.devices, key=lambda d: str(d.device_id))
                ],
                "removed": [
                    {"user_id": str(user_id), "key_id": kid}
                    for user_id, kid in sorted(self.removed, key=lambda r: str(r[0]))
                ],
            }
        )

    def digest(self) -> str:
        return hashlib.sha256(self.body()).hexdigest()

    def owners(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.owner)

    def current_home_key(self) -> ListedHomeKey:
        """The one home key that isn't retired."""
        current = [k for k in self.home_keys if not k.retired]
        if len(current) != 1:
            raise CryptoError(f"key list: {len(current)} current home keys, not 1")
        return current[0]

    def home_key(self, key_id_hex: str) -> ListedHomeKey | None:
        return next((k for k in self.home_keys if k.id == key_id_hex), None)

    def device(self, public_key: bytes) -> ListedDevice | None:
        return next((d for d in self.devices if d.public_key == public_key), None)

    def member(self, user_id: uuid.UUID) -> Member | None:
        return next((m for m in self.members if m.user_id == user_id), None)


@dataclass(frozen=True)
class SignedKeyList:
    """A key list's body bytes as signed, with the signer's Ed25519 key and signature."""

    version: int
    body: bytes
    signer: bytes
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "body": _b64(self.body),
            "signer": _b64(self.signer),
            "signature": _b64(self.signature),
        }

    @classmethod
    def from_json(cls, record: object) -> SignedKeyList:
        """Strict: the four fields (a ``proof`` beside them is left to the caller)."""
        if not isinstance(record, Mapping):
            raise CryptoError("a signed key list must be a JSON object")
        fields = set(record) - {"proof"}
        if fields != _SIGNED_FIELDS:
            raise CryptoError(f"a signed key list has the fields {_fields(_SIGNED_FIELDS)}")
        version = record["version"]
        if not _is_int(version) or version < 1:
            raise CryptoError("a signed key list's version must be a whole number from 1")
        return cls(
            version=version,
            body=_decode(record["body"], "the signed key list's body"),
            signer=_decode(record["signer"], "the signed key list's signer", size=KEY_BYTES),
            signature=_decode(
                record["signature"], "the signed key list's signature", size=SIGNATURE_BYTES
            ),
        )


def _fields(names: Collection[str]) -> str:
    return ", ".join(sorted(names))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decode(value: object, what: str, *, size: int | None = None) -> bytes:
    """Canonical standard base64 with padding, of ``size`` bytes if given."""
    if not isinstance(value, str):
        raise CryptoError(f"{what} must be base64 text")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise CryptoError(f"{what} is not base64") from exc
    if _b64(raw) != value:
        raise CryptoError(f"{what} is not in canonical base64")
    if size is not None and len(raw) != size:
        raise CryptoError(f"{what} must be {size} bytes, got {len(raw)}")
    return raw


def _object(value: object, fields: frozenset[str], what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CryptoError(f"key list: {what} must be an object")
    if set(value) != fields:
        unknown = set(value) - fields
        missing = fields - set(value)
        said = [f"unknown field {n!r}" for n in sorted(unknown)]
        said += [f"missing field {n!r}" for n in sorted(missing)]
        raise CryptoError(f"key list: {what} has {', '.join(said)}")
    return value


def _array(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise CryptoError(f"key list: {what} must be an array")
    return value


def _uuid(value: object, what: str) -> uuid.UUID:
    try:
        parsed = uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != value:
        raise CryptoError(f"key list: {what} must be a UUID in lowercase hyphenated form")
    return parsed


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise CryptoError(f"key list: {what} must be true or false")
    return value


def _key_id(value: object, what: str, public_key: bytes) -> str:
    if not isinstance(value, str) or not _KEY_ID.fullmatch(value):
        raise CryptoError(f"key list: {what} must be 32 lowercase hex digits")
    if value != key_id(public_key):
        raise CryptoError(f"key list: {what} does not match its public key")
    return value


def _x25519(value: object, what: str) -> bytes:
    raw = _decode(value, f"key list: {what}", size=KEY_BYTES)
    return check_x25519_public(raw, f"key list: {what}")


def _ed25519(value: object, what: str) -> bytes:
    raw = _decode(value, f"key list: {what}", size=KEY_BYTES)
    ed25519_public(raw)
    return raw


def _member(value: object, at: str) -> Member:
    fields = _object(value, _MEMBER_FIELDS, at)
    public_key = _x25519(fields["public_key"], f"{at}.public_key")
    return Member(
        user_id=_uuid(fields["user_id"], f"{at}.user_id"),
        owner=_bool(fields["owner"], f"{at}.owner"),
        key_id=_key_id(fields["key_id"], f"{at}.key_id", public_key),
        public_key=public_key,
        signing_key=_ed25519(fields["signing_key"], f"{at}.signing_key"),
    )


def _home_key(value: object, at: str) -> ListedHomeKey:
    fields = _object(value, _HOME_KEY_FIELDS, at)
    public_key = _x25519(fields["public_key"], f"{at}.public_key")
    version = fields["version"]
    if not _is_int(version) or version < 1:
        raise CryptoError(f"key list: {at}.version must be a whole number from 1")
    return ListedHomeKey(
        id=_key_id(fields["id"], f"{at}.id", public_key),
        public_key=public_key,
        version=version,
        retired=_bool(fields["retired"], f"{at}.retired"),
    )


def _device(value: object, at: str) -> ListedDevice:
    fields = _object(value, _DEVICE_FIELDS, at)
    public_key = _ed25519(fields["public_key"], f"{at}.public_key")
    return ListedDevice(
        device_id=_uuid(fields["device_id"], f"{at}.device_id"),
        key_id=_key_id(fields["key_id"], f"{at}.key_id", public_key),
        public_key=public_key,
        revoked=_bool(fields["revoked"], f"{at}.revoked"),
    )


def _removed(value: object, at: str) -> tuple[uuid.UUID, str]:
    fields = _object(value, _REMOVED_FIELDS, at)
    kid = fields["key_id"]
    if not isinstance(kid, str) or not _KEY_ID.fullmatch(kid):
        raise CryptoError(f"key list: {at}.key_id must be 32 lowercase hex digits")
    return _uuid(fields["user_id"], f"{at}.user_id"), kid


def _unique(values: Sequence[object], what: str) -> None:
    if len(set(values)) != len(values):
        raise CryptoError(f"key list: {what} appears twice")


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON, though Python's json reads them."""
    raise ValueError(f"{name} is not JSON")


def parse_list(signed: SignedKeyList) -> KeyList:
    """The list in ``signed.body``, parsed strictly; does not check the signature.

    Strict: the body is exactly the canonical encoding of what it says (sorted keys and
    lists, no spaces), every field is known and present, every key id is recomputed
    from its key, every X25519 key is checked, exactly one home key is current and it
    is the newest. CryptoError names what is wrong.
    """
    if len(signed.body) > MAX_BODY_BYTES:
        raise CryptoError(f"key list: the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        document = json.loads(signed.body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CryptoError("key list: the body is not JSON in UTF-8") from exc
    fields = _object(document, _BODY_FIELDS, "the body")
    if fields["format"] != FORMAT:
        raise CryptoError(f"key list: the format is not {FORMAT!r}")
    version = fields["version"]
    if not _is_int(version) or version < 1:
        raise CryptoError("key list: version must be a whole number from 1")
    if version != signed.version:
        raise CryptoError(f"key list: the body is version {version}, not {signed.version}")
    previous = fields["previous"]
    if version == 1 and previous is not None:
        raise CryptoError("key list: version 1 has no previous version")
    if version > 1 and (not isinstance(previous, str) or not _DIGEST.fullmatch(previous)):
        raise CryptoError("key list: previous must be the previous body's SHA-256, 64 hex")
    key_list = KeyList(
        home_id=_uuid(fields["home_id"], "home_id"),
        version=version,
        previous=previous,
        members=tuple(
            _member(v, f"members[{i}]") for i, v in enumerate(_array(fields["members"], "members"))
        ),
        home_keys=tuple(
            _home_key(v, f"home_keys[{i}]")
            for i, v in enumerate(_array(fields["home_keys"], "home_keys"))
        ),
        devices=tuple(
            _device(v, f"devices[{i}]") for i, v in enumerate(_array(fields["devices"], "devices"))
        ),
        removed=tuple(
            _removed(v, f"removed[{i}]") for i, v in enumerate(_array(fields["removed"], "removed"))
        ),
    )
    _unique([m.user_id for m in key_list.members], "a member")
    _unique([k.version for k in key_list.home_keys], "a home key version")
    _unique([k.id for k in key_list.home_keys], "a home key")
    _unique([d.device_id for d in key_list.devices], "a device")
    _unique([d.public_key for d in key_list.devices], "a device key")
    _unique([user_id for user_id, _ in key_list.removed], "a removed member")
    current = key_list.current_home_key()
    if current.version != max(k.version for k in key_list.home_keys):
        raise CryptoError(
            f"key list: the current home key is version {current.version}, not the newest"
        )
    if not key_list.owners():
        raise CryptoError("key list: no member is an owner")
    if key_list.body() != signed.body:
        raise CryptoError(
            "key list: the body is not in canonical form (sorted keys and lists, no spaces)"
        )
    return key_list


def signed_message(body: bytes) -> bytes:
    return SIGNATURE_CONTEXT + body


def sign_list(key_list: KeyList, signing_key: Ed25519PrivateKey) -> SignedKeyList:
    body = key_list.body()
    return SignedKeyList(
        version=key_list.version,
        body=body,
        signer=public_raw(signing_key.public_key()),
        signature=signing_key.sign(signed_message(body)),
    )


def _check_signature(signed: SignedKeyList) -> None:
    try:
        ed25519_public(signed.signer).verify(signed.signature, signed_message(signed.body))
    except InvalidSignature as exc:
        raise CryptoError(
            f"key list version {signed.version}: the signature does not verify"
        ) from exc


def _check_follows(key_list: KeyList, previous: KeyList) -> None:
    """The rules between two consecutive versions."""
    version = key_list.version
    if version <= previous.version:
        raise CryptoError(
            f"key list version {version} is not newer than version {previous.version}: "
            "a replay or rollback"
        )
    if version != previous.version + 1:
        raise CryptoError(
            f"key list version {version} skips versions after {previous.version}: a gap"
        )
    if key_list.previous != previous.digest():
        raise CryptoError(
            f"key list version {version} does not name version {previous.version}'s digest "
            "as previous"
        )
    newest = max(k.version for k in previous.home_keys)
    for old in previous.home_keys:
        kept = key_list.home_key(old.id)
        if kept is None or kept.version != old.version:  # the id is the hash of the bytes
            raise CryptoError(
                f"key list version {version} drops or changes home key version {old.version}"
            )
    for new in key_list.home_keys:
        if previous.home_key(new.id) is None and new.version <= newest:
            raise CryptoError(
                f"key list version {version} adds home key version {new.version}, "
                f"not newer than version {newest}"
            )
    for device in previous.devices:
        kept_device = key_list.device(device.public_key)
        if kept_device is None or kept_device.device_id != device.device_id:
            raise CryptoError(f"key list version {version} drops device {device.device_id}")
        if device.revoked and not kept_device.revoked:
            raise CryptoError(f"key list version {version} un-revokes device {device.device_id}")
    gone = {(m.user_id, m.key_id) for m in previous.members if key_list.member(m.user_id) is None}
    if gone != set(key_list.removed):
        raise CryptoError(
            f"key list version {version}: removed must name exactly the members of version "
            f"{previous.version} it leaves out"
        )


def verify_list(
    signed: SignedKeyList,
    *,
    home_id: uuid.UUID,
    previous: KeyList | None,
    trusted_owners: Collection[bytes] = (),
) -> KeyList:
    """The list if an owner signed it and it follows ``previous``; else CryptoError.

    The signer must be an owner in ``previous``; without one, an owner in the list itself
    and, if ``trusted_owners`` is given, one of those signing keys. Following means: the
    next version, naming the previous body's digest; every home key kept with its
    version, new ones newer (so, the current key being the newest, a retired key stays
    retired); every device kept, a revoked one revoked; ``removed`` names exactly the
    members left out.
    """
    key_list = parse_list(signed)
    if key_list.home_id != home_id:
        raise CryptoError(f"key list version {signed.version} is for another home")
    _check_signature(signed)
    if previous is not None:
        if signed.signer not in {m.signing_key for m in previous.owners()}:
            raise CryptoError(
                f"key list version {signed.version} is signed by a key that is not an owner "
                f"in version {previous.version}"
            )
        _check_follows(key_list, previous)
    else:
        if signed.signer not in {m.signing_key for m in key_list.owners()}:
            raise CryptoError(
                f"key list version {signed.version} is signed by a key that is not an owner "
                "in the list"
            )
        if trusted_owners and signed.signer not in set(trusted_owners):
            raise CryptoError(
                f"key list version {signed.version} is signed by an owner key this client "
                "does not trust"
            )
    return key_list


def verify_chain(
    lists: Sequence[SignedKeyList],
    *,
    home_id: uuid.UUID,
    pinned: KeyList | None,
    trusted_owners: Collection[bytes] = (),
) -> KeyList:
    """The newest of ``lists`` (ascending, each following the one before, the first
    following ``pinned``); ``pinned`` itself when ``lists`` is empty."""
    newest = pinned
    for signed in lists:
        newest = verify_list(
            signed, home_id=home_id, previous=newest, trusted_owners=trusted_owners
        )
    if newest is None:
        raise CryptoError("no key list to verify: the home has none yet")
    return newest


def next_list(
    previous: KeyList | None,
    *,
    home_id: uuid.UUID,
    members: Sequence[Member] | None = None,
    home_keys: Sequence[ListedHomeKey] | None = None,
    devices: Sequence[ListedDevice] | None = None,
    removed: Sequence[tuple[uuid.UUID, str]] = (),
) -> KeyList:
    """The version after ``previous`` (version 1 without one); fields not given are kept."""
    if previous is not None and previous.home_id != home_id:
        raise CryptoError("the next key list must be for the same home as the previous one")
    if previous is None and (members is None or home_keys is None):
        raise CryptoError("the first key list needs its members and home keys")
    return KeyList(
        home_id=home_id,
        version=1 if previous is None else previous.version + 1,
        previous=None if previous is None else previous.digest(),
        members=tuple(
            sorted(
                members if members is not None else previous.members if previous else (),
                key=lambda m: str(m.user_id),
            )
        ),
        home_keys=tuple(
            sorted(
                home_keys if home_keys is not None else previous.home_keys if previous else (),
                key=lambda k: k.version,
            )
        ),
        devices=tuple(
            sorted(
                devices if devices is not None else previous.devices if previous else (),
                key=lambda d: str(d.device_id),
            )
        ),
        removed=tuple(sorted(removed, key=lambda r: str(r[0]))),
    )


def with_home_key(previous: KeyList, public_key: bytes) -> KeyList:
    """The next version with ``public_key`` as the current home key, the old one retired."""
    check_x25519_public(public_key, "the new home key")
    version = max((k.version for k in previous.home_keys), default=0) + 1
    keys = [replace(k, retired=True) for k in previous.home_keys]
    keys.append(ListedHomeKey(key_id(public_key), public_key, version, retired=False))
    return next_list(previous, home_id=previous.home_id, home_keys=keys)


def with_member(previous: KeyList, member: Member) -> KeyList:
    """The next version with ``member`` added, or replacing the member of that user id."""
    others = [m for m in previous.members if m.user_id != member.user_id]
    return next_list(previous, home_id=previous.home_id, members=[*others, member])


def without_member(previous: KeyList, user_id: uuid.UUID) -> KeyList:
    """The next version without the member, who is named in ``removed``."""
    gone = previous.member(user_id)
    if gone is None:
        raise CryptoError(f"user {user_id} is not a member in key list version {previous.version}")
    return next_list(
        previous,
        home_id=previous.home_id,
        members=[m for m in previous.members if m.user_id != user_id],
        removed=[(user_id, gone.key_id)],
    )


def with_device(previous: KeyList, device: ListedDevice) -> KeyList:
    """The next version with ``device`` added, or replacing the device of that id."""
    others = [d for d in previous.devices if d.device_id != device.device_id]
    return next_list(previous, home_id=previous.home_id, devices=[*others, device])
