"""``doorstep keys monitor``: every key the log holds for your account and homes, checked.

The client walks the audit log from where it stopped (:mod:`doorstep.audit.follow`),
each new entry checked against the hub's newest signed checkpoint, which must extend
the one this client saw last. It keeps the ``user_key.published`` entries under your
user label and the ``home_keys.signed`` entries under your homes' labels, then:

- a user key whose id this client did not make (``TrustStore.known_keys``) is an alarm:
  someone published a key for your account from elsewhere;
- a home key list version is accepted only if the hub serves that very list (same
  SHA-256, same signer) and it verifies in the chain of lists from a root this client
  trusts (your own signing key, the owner key it trusted first, or its pinned list's
  owners); anything else is an alarm, and so is a list served but not in the log;
- a key this client made, published under another account's label, is an alarm: the
  hub may be showing this client another account as its own.

Nothing here is a secret: the labels are derivable by anyone who knows the ids.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.audit.entries import key_label
from doorstep.audit.follow import FollowedLog, KeyEntry, newest_checkpoint
from doorstep.audit.keyproof import KeyAlarm, KeyRefused
from doorstep.crypto.keylist import KeyList, SignedKeyList, verify_list
from doorstep.crypto.keys import fingerprint, key_id
from doorstep.errors import CryptoError
from doorstep.owner.api import HubApi
from doorstep.owner.trust import KeyChecker, TrustStore, UserKey

PAGE = 100  # key lists a page
THIS_CLIENT = "this client"
NOT_MADE_HERE = "NOT MADE HERE"


@dataclass(frozen=True)
class MonitoredKey:
    """One key entry of the log, and what this client makes of it."""

    entry: KeyEntry
    subject: str  # "you" or "home <name>"
    key: str  # a key's fingerprint, or a key list's version
    verdict: str  # THIS_CLIENT, "owner <fingerprint>", or NOT_MADE_HERE
    alarm: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.entry.index,
            "at": self.entry.at,
            "action": self.entry.action,
            "subject": self.subject,
            "key": self.key,
            "verdict": self.verdict,
            "made_here": self.verdict == THIS_CLIENT,
            "alarm": self.alarm,
        }


@dataclass(frozen=True)
class MonitorReport:
    user_id: uuid.UUID
    checked: int  # log entries checked
    keys: list[MonitoredKey]
    alarms: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "user_id": str(self.user_id),
            "checked": self.checked,
            "keys": [key.as_json() for key in self.keys],
            "alarms": self.alarms,
        }


def monitor(api: HubApi, *, private: X25519PrivateKey | None) -> MonitorReport:
    """Walk the log for your keys and your homes' key lists; alarms for what isn't yours.

    ``private``: your private key, when this machine holds it; then your served key and
    each home's newest list are checked and pinned first, and your key must be in the
    log under your label.
    """
    checker = KeyChecker(api)
    store = checker.store
    alarms: list[str] = []
    user_id = uuid.UUID(api.call("GET", "/v1/me")["id"])
    homes = {uuid.UUID(h["id"]): h["name"] for h in api.call("GET", "/v1/homes")["data"]}
    me = None if private is None else UserKey.of(user_id, private)
    if me is not None:
        try:
            checker.own_key(me, api.call("GET", "/v1/me/key"))
            for home_id in homes:
                checker.key_list(home_id, me)
        except KeyAlarm:
            raise
        except KeyRefused as exc:
            alarms.append(exc.detail)
    my_signing_key = None if me is None else me.signing_key
    # The lists come with proofs, so the hub's newest checkpoint, fetched next, covers them.
    chains = {h: _verified_chain(api, store, h, my_signing_key, alarms) for h in homes}

    def get(path: str, **params: Any) -> Any:
        return api.call("GET", path, params=params)

    log_key = checker.log_key()
    checkpoint = newest_checkpoint(get, log_key=log_key, origin=log_key.name, memory=store.memory)
    user_label = key_label("user", user_id)
    known = store.known_keys()
    followed = FollowedLog.load(store.path.with_name(f"{store.path.stem}.monitor.json"))
    watched = {user_label, *(key_label("home", h) for h in homes), *known}
    followed.advance(get, checkpoint=checkpoint, watched=watched)

    def entries_of(label: str) -> list[KeyEntry]:
        return [e for e in followed.entries if e.objects.get("label") == label]

    keys = _user_keys(entries_of(user_label), known, me is not None, alarms)
    keys += _bound_elsewhere(followed.entries, user_label, known, alarms)
    for home_id, name in homes.items():
        entries = entries_of(key_label("home", home_id))
        keys += _home_lists(entries, chains[home_id], f"home {name}", my_signing_key, alarms)
    keys.sort(key=lambda k: k.entry.index)
    return MonitorReport(user_id, checkpoint.size, keys, alarms)


def _user_keys(
    entries: list[KeyEntry], known: Collection[str], checked_mine: bool, alarms: list[str]
) -> list[MonitoredKey]:
    """Your account's key entries; an alarm for each key this client did not make.

    ``checked_mine``: your served key was checked against the log, so it must be there.
    """
    mine = [e for e in entries if e.action == "user_key.published"]
    found: list[MonitoredKey] = []
    for entry in mine:
        key = str(entry.objects.get("key_id"))
        alarm = None
        if key not in known:
            alarm = (
                f"a key for your account that this client did not make: {fingerprint(key)} "
                f"(log entry {entry.index}, {entry.at})"
            )
            alarms.append(alarm)
        found.append(
            MonitoredKey(
                entry,
                "you",
                fingerprint(key),
                THIS_CLIENT if alarm is None else NOT_MADE_HERE,
                alarm,
            )
        )
    if checked_mine and not any(str(e.objects.get("key_id")) in known for e in mine):
        alarms.append(
            "the log holds none of the keys this client made under your account's label: "
            "the hub gave another user id or the entries are missing"
        )
    return found


def _bound_elsewhere(
    entries: list[KeyEntry], user_label: str, known: Collection[str], alarms: list[str]
) -> list[MonitoredKey]:
    """A key this client made, published under another account's label: an alarm.

    A hub that told this client another user id would have to log its key there.
    """
    found: list[MonitoredKey] = []
    for entry in entries:
        key = str(entry.objects.get("key_id"))
        if entry.action != "user_key.published" or entry.objects.get("label") == user_label:
            continue
        if key in known:
            alarm = (
                f"your key {fingerprint(key)} is published for another account too (log entry "
                f"{entry.index}): the hub may be showing you another account as yours"
            )
            alarms.append(alarm)
            found.append(
                MonitoredKey(entry, "another account", fingerprint(key), THIS_CLIENT, alarm)
            )
    return found


def _served_lists(api: HubApi, home_id: uuid.UUID) -> list[SignedKeyList]:
    lists: list[SignedKeyList] = []
    after = 0
    while True:
        page = api.call("GET", f"/v1/homes/{home_id}/key-lists", params={"after": after})["data"]
        lists += [
            SignedKeyList.from_json({k: v for k, v in row.items() if k != "proof"}) for row in page
        ]
        if len(page) < PAGE:
            return lists
        after = lists[-1].version


def _verified_chain(
    api: HubApi,
    store: TrustStore,
    home_id: uuid.UUID,
    my_signing_key: bytes | None,
    alarms: list[str],
) -> dict[int, tuple[SignedKeyList, KeyList]]:
    """The home's served key lists that verify, by version, from a root this client trusts.

    The roots: your signing key, the owner key trusted on first use, and the owners of
    the pinned list; with none of those (a new client of a home it doesn't own) the
    first list is trusted on first use.
    """
    pinned = store.pinned_list(home_id)
    roots = {k for k in (my_signing_key, store.first_owner_key(home_id)) if k is not None}
    roots |= {m.signing_key for m in pinned.owners()} if pinned is not None else set()
    chain: dict[int, tuple[SignedKeyList, KeyList]] = {}
    previous: KeyList | None = None
    try:
        for signed in _served_lists(api, home_id):
            previous = verify_list(
                signed,
                home_id=home_id,
                previous=previous,
                trusted_owners=roots if previous is None else (),
            )
            chain[signed.version] = signed, previous
    except CryptoError as exc:
        alarms.append(f"home {home_id}'s key lists do not verify: {exc.detail}")
    if pinned is not None:
        served = chain.get(pinned.version)
        if served is None or served[1].digest() != pinned.digest():
            alarms.append(
                f"home {home_id}: the hub no longer serves the key list version "
                f"{pinned.version} this client verified"
            )
    return chain


def _home_lists(
    entries: list[KeyEntry],
    chain: Mapping[int, tuple[SignedKeyList, KeyList]],
    subject: str,
    my_signing_key: bytes | None,
    alarms: list[str],
) -> list[MonitoredKey]:
    """The home's key list entries; an alarm for each the chain this client verified lacks,
    and for each list served that the log doesn't hold."""
    found: list[MonitoredKey] = []
    logged: set[int] = set()
    for entry in entries:
        version = entry.objects.get("version")
        signer_id = str(entry.objects.get("signing_key_id"))
        verified = chain.get(version) if isinstance(version, int) else None
        alarm = None
        if verified is None or (
            key_id(verified[0].signer) != signer_id
            or hashlib.sha256(verified[0].body).hexdigest() != entry.objects.get("list_sha256")
        ):
            alarm = (
                f"{subject}'s key list version {version} in the log (entry {entry.index}) is "
                f"signed by {fingerprint(signer_id)}, not an owner this client knows"
            )
            alarms.append(alarm)
            verdict = NOT_MADE_HERE
        elif my_signing_key is not None and verified[0].signer == my_signing_key:
            verdict = THIS_CLIENT
        else:
            verdict = f"owner {fingerprint(signer_id)}"
        if isinstance(version, int):
            logged.add(version)
        found.append(MonitoredKey(entry, subject, f"list v{version}", verdict, alarm))
    for version in sorted(set(chain) - logged):
        alarms.append(f"{subject}'s key list version {version} is served but not in the log")
    return found
