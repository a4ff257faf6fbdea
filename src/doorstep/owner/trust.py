"""What the owner's client trusts: keys it checked against the hub's log and pinned here.

Per hub, ``config_dir()/trust/<host>_<port>.json`` (0600) keeps the newest home key list
this client verified for each home and the ids of the keys this client made
(``known_keys``, for ``doorstep keys monitor``); the log key and the newest checkpoint
seen live beside it in ``<host>_<port>.checkpoint.json`` (``CheckpointMemory``).

A key served by the hub is used only once its id is recomputed here from its bytes, its
X25519 part is checked, its binding signature verifies and its inclusion proof in the
log checks against a checkpoint no older than one seen before.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit.checkpoint import LogKey
from doorstep.audit.entries import key_label
from doorstep.audit.keyproof import CheckpointMemory, KeyProof, KeyRefused, check_key_proof
from doorstep.crypto.keylist import KeyList, Member, SignedKeyList, parse_list, verify_chain
from doorstep.crypto.keys import check_x25519_public, key_id, public_raw
from doorstep.crypto.signing_keys import signing_key_of, verify_binding
from doorstep.durable import write_atomically
from doorstep.errors import ConfigurationError, CryptoError
from doorstep.owner.api import HubApi
from doorstep.owner.credentials import config_dir
from doorstep.settings import read_secret_file

PAGE = 100


def _b64(text: object, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError as exc:
        raise KeyRefused(f"{what} is not base64") from exc


class TrustStore:
    """The pinned key lists and this client's own key ids, for one hub."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.memory = CheckpointMemory(path.with_name(f"{path.stem}.checkpoint.json"))

    @classmethod
    def for_hub(cls, base_url: str, directory: Path | None = None) -> TrustStore:
        parts = urlsplit(base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        name = f"{parts.hostname or 'hub'}_{port}.json"
        return cls((directory or config_dir() / "trust") / name)

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"key_lists": {}, "known_keys": []}
        try:
            record = json.loads(read_secret_file(self.path))
            if not isinstance(record["key_lists"], dict) or not isinstance(
                record["known_keys"], list
            ):
                raise TypeError
            return dict(record)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{self.path} is damaged: it can't be trusted") from exc

    def _write(self, record: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(record, sort_keys=True).encode(), mode=0o600)

    def known_keys(self) -> frozenset[str]:
        """The ids of the keys (X25519 and signing) this client made."""
        return frozenset(str(k) for k in self._read()["known_keys"])

    def add_known_keys(self, *ids: str) -> None:
        record = self._read()
        record["known_keys"] = sorted({*record["known_keys"], *ids})
        self._write(record)

    def pinned_list(self, home_id: uuid.UUID) -> KeyList | None:
        """The newest key list of ``home_id`` this client verified, or None."""
        entry = self._read()["key_lists"].get(str(home_id))
        return None if entry is None else parse_list(SignedKeyList.from_json(entry["list"]))

    def first_owner_key(self, home_id: uuid.UUID) -> bytes | None:
        """The owner signing key trusted on first use for ``home_id`` (None: not TOFU)."""
        entry = self._read()["key_lists"].get(str(home_id))
        if entry is None or entry.get("first_use_owner") is None:
            return None
        return base64.b64decode(entry["first_use_owner"])

    def pin_list(
        self, home_id: uuid.UUID, signed: SignedKeyList, *, first_use_owner: bytes | None = None
    ) -> None:
        record = self._read()
        previous = record["key_lists"].get(str(home_id), {})
        first = previous.get("first_use_owner")
        if first_use_owner is not None:
            first = base64.b64encode(first_use_owner).decode("ascii")
        record["key_lists"][str(home_id)] = {"list": signed.to_json(), "first_use_owner": first}
        self._write(record)


@dataclass(frozen=True)
class UserKey:
    """A resident's keys as checked here: ids computed from the bytes."""

    user_id: uuid.UUID
    key_id: str
    public_key: bytes
    signing_key: bytes

    @property
    def signing_key_id(self) -> str:
        return key_id(self.signing_key)

    @classmethod
    def of(cls, user_id: uuid.UUID, private: X25519PrivateKey) -> UserKey:
        """Your own keys, from your private key."""
        public = public_raw(private.public_key())
        signing = public_raw(signing_key_of(private).public_key())
        return cls(user_id, key_id(public), public, signing)

    def member(self, *, owner: bool) -> Member:
        return Member(
            user_id=self.user_id,
            owner=owner,
            key_id=self.key_id,
            public_key=self.public_key,
            signing_key=self.signing_key,
        )


class KeyChecker:
    """Checks the keys one hub serves, against its log and what this client pinned."""

    def __init__(self, api: HubApi, store: TrustStore | None = None) -> None:
        self.api = api
        self.store = store or TrustStore.for_hub(api.base_url)
        self._log_key: LogKey | None = None

    def log_key(self) -> LogKey:
        """The hub's log key: pinned the first time, an alarm if it ever changes."""
        if self._log_key is None:
            served = self.api.call("GET", "/v1/audit/key")["vkey"]
            self._log_key = self.store.memory.log_key(served)
        return self._log_key

    def _consistency(self, old_size: int, new_size: int) -> list[bytes]:
        proof = self.api.call(
            "GET",
            "/v1/audit/proofs/consistency",
            params={"old_size": old_size, "new_size": new_size},
        )["proof"]
        return [_b64(h, "a consistency proof hash") for h in proof]

    def check(self, record: Mapping[str, Any], *, action: str, objects: Mapping[str, Any]) -> None:
        """KeyRefused unless ``record["proof"]`` shows ``action`` with ``objects`` in the log."""
        check_key_proof(
            KeyProof.from_json(record.get("proof")),
            log_key=self.log_key(),
            action=action,
            objects=objects,
            memory=self.store.memory,
            consistency=self._consistency,
        )

    def user_key(
        self, user_id: uuid.UUID, record: Mapping[str, Any], who: str, *, binding: bool = True
    ) -> UserKey:
        """A resident's served key record, checked: ids, X25519 key, binding and proof.

        ``binding=False`` skips the binding signature when the record has none (your own
        key, whose private key proves more).
        """
        if record.get("public_key") is None or record.get("signing_key") is None:
            raise KeyRefused(f"{who} is missing: its owner must make one first")
        public = _b64(record["public_key"], f"{who} (public key)")
        signing = _b64(record["signing_key"], f"{who} (signing key)")
        computed = key_id(public)
        served = record.get("key_id", record.get("id"))
        if served != computed:
            raise KeyRefused(
                f"{who} does not match its id: the hub serves id {served} "
                f"with a key whose id is {computed}"
            )
        if "signing_key_id" in record and record["signing_key_id"] != key_id(signing):
            raise KeyRefused(f"{who}: the signing key does not match its id")
        try:
            check_x25519_public(public, who)
            if binding or record.get("binding_signature") is not None:
                if record.get("binding_signature") is None:
                    raise CryptoError("it has no binding signature")
                signature = _b64(record["binding_signature"], f"{who} (binding signature)")
                verify_binding(public, signing, signature)
        except CryptoError as exc:
            raise KeyRefused(f"{who} is refused: {exc.detail}") from exc
        self.check(
            record,
            action="user_key.published",
            objects={
                "label": key_label("user", user_id),
                "key_id": computed,
                "signing_key_id": key_id(signing),
            },
        )
        return UserKey(user_id, computed, public, signing)

    def my_key(self) -> tuple[UserKey, str]:
        """Your published key as the hub serves it, checked, and its passphrase box."""
        me = uuid.UUID(self.api.call("GET", "/v1/me")["id"])
        record = self.api.call("GET", "/v1/me/key")
        key = self.user_key(me, record, "your key", binding=False)
        return key, str(record["private_key_box"])

    def me(self, private: X25519PrivateKey) -> UserKey:
        """Your keys, computed here from your private key (the hub gives only your id)."""
        return UserKey.of(uuid.UUID(self.api.call("GET", "/v1/me")["id"]), private)

    def own_key(self, me: UserKey, record: Mapping[str, Any]) -> None:
        """KeyRefused unless the hub serves (and its log holds) exactly your keys."""
        served = (
            record.get("id"),
            record.get("public_key"),
            record.get("signing_key"),
        )
        if served != (me.key_id, _text(me.public_key), _text(me.signing_key)):
            raise KeyRefused(
                f"the hub serves a key for you other than yours ({me.key_id}): "
                "run `doorstep keys monitor`"
            )
        self.check(
            record,
            action="user_key.published",
            objects={
                "label": key_label("user", me.user_id),
                "key_id": me.key_id,
                "signing_key_id": me.signing_key_id,
            },
        )

    def member_key(self, row: Mapping[str, Any]) -> UserKey | None:
        """A ``member-keys`` item's key, checked; None while the member has no key."""
        if row["key_id"] is None:
            return None
        name = f"the key of member {row.get('display_name', '')} ({row['user_id']})"
        return self.user_key(uuid.UUID(row["user_id"]), row, name)

    def member_keys(self, home_id: uuid.UUID) -> list[tuple[Mapping[str, Any], UserKey | None]]:
        """Each household member's record with their checked key (None: no key yet)."""
        rows = self.api.call("GET", f"/v1/homes/{home_id}/member-keys")["data"]
        return [(row, self.member_key(row)) for row in rows]

    def key_list(self, home_id: uuid.UUID, me: UserKey) -> KeyList | None:
        """The home's newest key list, verified from the pinned one and pinned; None: none yet.

        With no pinned list, the first list must be signed by an owner key this client
        knows: your own (``me``) when you own the home, else the owner key it names,
        trusted on first use (compare the safety number with the owner).
        """
        pinned = self.store.pinned_list(home_id)
        served = self._lists_after(home_id, pinned.version if pinned else 0)
        if not served:
            return pinned
        first_use: bytes | None = None
        trusted: tuple[bytes, ...] = ()
        if pinned is None:
            if self._own_first_list(home_id, served[0], me):
                trusted = (me.signing_key,)
            else:
                first_use = served[0].signer
                trusted = (first_use,)
        try:
            newest = verify_chain(served, home_id=home_id, pinned=pinned, trusted_owners=trusted)
        except CryptoError as exc:
            raise KeyRefused(f"home {home_id}'s key list is refused: {exc.detail}") from exc
        self.store.pin_list(home_id, served[-1], first_use_owner=first_use)
        return newest

    def _own_first_list(self, home_id: uuid.UUID, first: SignedKeyList, me: UserKey) -> bool:
        """Whether the first list must be yours: you own the home, or it names you owner."""
        if self.api.call("GET", f"/v1/homes/{home_id}")["role"] == "owner":
            return True
        try:
            listed = parse_list(first).member(me.user_id)
        except CryptoError as exc:
            raise KeyRefused(f"home {home_id}'s first key list is refused: {exc.detail}") from exc
        return listed is not None and listed.owner

    def _lists_after(self, home_id: uuid.UUID, after: int) -> list[SignedKeyList]:
        lists: list[SignedKeyList] = []
        while True:
            page = self.api.call("GET", f"/v1/homes/{home_id}/key-lists", params={"after": after})[
                "data"
            ]
            for record in page:
                signed = _signed_list(record)
                self.check(
                    record,
                    action="home_keys.signed",
                    objects={
                        "label": key_label("home", home_id),
                        "version": signed.version,
                        "list_sha256": hashlib.sha256(signed.body).hexdigest(),
                        "signing_key_id": key_id(signed.signer),
                    },
                )
                lists.append(signed)
            if len(page) < PAGE:
                return lists
            after = lists[-1].version


def _text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _signed_list(record: Mapping[str, Any]) -> SignedKeyList:
    try:
        return SignedKeyList.from_json({k: v for k, v in record.items() if k != "proof"})
    except CryptoError as exc:
        raise KeyRefused(f"a key list the hub served is malformed: {exc.detail}") from exc


def verified_agency_key(api: HubApi, agency_record: Mapping[str, Any]) -> bytes:
    """The agency's X25519 public key, once its id (when served) and log proof check.

    ``agency_record``: an agency object the hub serves with ``id``, ``public_key`` and
    ``proof`` (the inbox entry's, or the public list's); KeyRefused if it doesn't check.
    """
    name = agency_record.get("name", agency_record.get("id"))
    if agency_record.get("public_key") is None:
        raise KeyRefused(f"agency {name} has published no key yet")
    public = _b64(agency_record["public_key"], f"agency {name}'s key")
    computed = key_id(public)
    served = agency_record.get("key_id")
    if served is not None and served != computed:
        raise KeyRefused(
            f"agency {name}'s key does not match its id: the hub serves id {served} "
            f"with a key whose id is {computed}"
        )
    try:
        check_x25519_public(public, f"agency {name}'s key")
    except CryptoError as exc:
        raise KeyRefused(exc.detail) from exc
    KeyChecker(api).check(
        agency_record,
        action="agency.key_published",
        objects={"agency_id": str(agency_record["id"]), "key_id": computed},
    )
    return public
