"""What ``doorstep keys show`` reports: fingerprints and safety numbers computed here.

Every fingerprint comes from key bytes this client checked, never from an id the hub
serves: members' keys from the home key list an owner signed (or, for a member not
yet listed, from the key the log proves), agencies' keys from the log too.
"""

from __future__ import annotations

import uuid
from typing import Any

from doorstep.audit.keyproof import KeyAlarm, KeyRefused
from doorstep.crypto.keylist import KeyList
from doorstep.crypto.keys import fingerprint, key_id
from doorstep.crypto.safety import agency_fingerprint, format_safety_number, safety_number
from doorstep.errors import NotFound
from doorstep.owner.api import HubApi
from doorstep.owner.credentials import key_path, load_user_key
from doorstep.owner.trust import KeyChecker, UserKey, verified_agency_key


def _me(checker: KeyChecker) -> UserKey:
    """Your keys: from your private key when this machine has it, else as the log proves."""
    if not key_path().exists():
        return checker.my_key()[0]
    me = checker.me(load_user_key())
    checker.own_key(me, checker.api.call("GET", "/v1/me/key"))
    return me


def _member(
    checker: KeyChecker, row: dict[str, Any], key_list: KeyList | None, me: UserKey
) -> dict[str, Any]:
    user_id = uuid.UUID(row["user_id"])
    listed = key_list.member(user_id) if key_list else None
    report: dict[str, Any] = {
        "user_id": str(user_id),
        "display_name": row["display_name"],
        "you": user_id == me.user_id,
        "in_signed_list": listed is not None,
        "owner": bool(listed and listed.owner),
        "key": None,
        "safety_number": None,
        "problem": None,
    }
    if listed is not None:
        key = UserKey(user_id, key_id(listed.public_key), listed.public_key, listed.signing_key)
        if row["key_id"] is not None and row["key_id"] != key.key_id:
            report["problem"] = f"the hub serves another key for them ({row['key_id']})"
    else:
        try:
            found = checker.member_key(row)
        except KeyAlarm:
            raise
        except KeyRefused as exc:
            report["problem"] = exc.detail
            return report
        if found is None:
            return report
        key = found
    report["key"] = fingerprint(key.key_id)
    if not report["you"]:
        number = safety_number(me.signing_key, me.public_key, key.signing_key, key.public_key)
        report["safety_number"] = format_safety_number(number)
    return report


def household_report(api: HubApi) -> dict[str, Any]:
    """Your key and, per home, its signed key list's keys with a safety number per member."""
    checker = KeyChecker(api)
    me = _me(checker)
    homes = []
    for home in api.call("GET", "/v1/homes")["data"]:
        home_id = uuid.UUID(home["id"])
        key_list = checker.key_list(home_id, me)
        rows = api.call("GET", f"/v1/homes/{home_id}/member-keys")["data"]
        current = key_list.current_home_key() if key_list else None
        homes.append(
            {
                "id": str(home_id),
                "name": home["name"],
                "key_list_version": key_list.version if key_list else None,
                "home_key": fingerprint(key_id(current.public_key)) if current else None,
                "rotation_due": api.call("GET", f"/v1/homes/{home_id}/keys")["rotation_due"],
                "owner_trusted_on_first_use": checker.store.first_owner_key(home_id) is not None,
                "members": [_member(checker, row, key_list, me) for row in rows],
                "devices": [
                    {
                        "device_id": str(device.device_id),
                        "key": fingerprint(key_id(device.public_key)),
                        "revoked": device.revoked,
                    }
                    for device in (key_list.devices if key_list else ())
                ],
            }
        )
    return {
        "key": fingerprint(me.key_id),
        "signing_key": fingerprint(me.signing_key_id),
        "homes": homes,
    }


def agency_check(api: HubApi, agency_id: uuid.UUID) -> dict[str, Any]:
    """The agency's key fingerprint computed here beside the one it published."""
    record = next(
        (a for a in api.call("GET", "/v1/agencies")["data"] if a["id"] == str(agency_id)), None
    )
    if record is None:
        raise NotFound(f"agency {agency_id} is not among the hub's participating agencies")
    computed = agency_fingerprint(verified_agency_key(api, record))
    published = record.get("key_fingerprint")
    return {
        "id": str(agency_id),
        "name": record["name"],
        "computed": computed,
        "published": published,
        "match": computed == published,
    }
