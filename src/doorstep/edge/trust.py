"""What the edge pinned at pairing: the home, its owner's signing keys, the log's key.

``doorstep edge pair`` writes ``data/trust.json`` (0600) once the owner key the hub
served checked against the pairing code; the edge then trusts only home key lists
signed by these owners (``edge/keyring.py``) and pins the newest it verified here.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doorstep.edge.identity import write_secret
from doorstep.errors import ConfigurationError
from doorstep.settings import read_secret_file

TRUST_FILE = "trust.json"
_FIELDS = {"home_id", "owner_signing_keys", "log_vkey", "key_list"}


@dataclass(frozen=True)
class EdgeTrust:
    home_id: uuid.UUID
    owner_signing_keys: tuple[bytes, ...]
    log_vkey: str
    key_list: dict[str, Any] | None  # SignedKeyList.to_json() of the newest verified list


def _unpaired(path: Path, problem: str) -> ConfigurationError:
    return ConfigurationError(
        f"{path} {problem}; pair this device first with `doorstep edge pair CODE --hub URL`"
    )


def load_trust(path: Path) -> EdgeTrust:
    try:
        record = json.loads(read_secret_file(path))
    except ConfigurationError as exc:
        raise _unpaired(path, "can't be read") from exc
    except ValueError as exc:
        raise _unpaired(path, "is not JSON") from exc
    if not isinstance(record, dict) or set(record) != _FIELDS:
        raise _unpaired(path, f"must hold exactly {', '.join(sorted(_FIELDS))}")
    try:
        keys = tuple(base64.b64decode(key, validate=True) for key in record["owner_signing_keys"])
        trust = EdgeTrust(
            home_id=uuid.UUID(record["home_id"]),
            owner_signing_keys=keys,
            log_vkey=record["log_vkey"],
            key_list=record["key_list"],
        )
    except (TypeError, ValueError, binascii.Error) as exc:
        raise _unpaired(path, "is damaged") from exc
    if (
        not keys
        or any(len(key) != 32 for key in keys)
        or not isinstance(trust.log_vkey, str)
        or not isinstance(trust.key_list, dict | None)
    ):
        raise _unpaired(path, "is damaged")
    return trust


def save_trust(path: Path, trust: EdgeTrust) -> None:
    record = {
        "home_id": str(trust.home_id),
        "owner_signing_keys": [base64.b64encode(key).decode() for key in trust.owner_signing_keys],
        "log_vkey": trust.log_vkey,
        "key_list": trust.key_list,
    }
    write_secret(path, json.dumps(record, indent=2, sort_keys=True).encode() + b"\n")
