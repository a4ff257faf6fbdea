"""data/trust.json: what the edge pinned at pairing, read back whole or refused."""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path

import pytest

from doorstep.edge.trust import EdgeTrust, load_trust, save_trust
from doorstep.errors import ConfigurationError

TRUST = EdgeTrust(
    home_id=uuid.UUID("6f1c1c1e-0000-4000-8000-000000000001"),
    owner_signing_keys=(bytes(range(32)),),
    log_vkey="hub.test+01234567+AQ==",
    key_list={"version": 1, "body": "e30=", "signer": "AA==", "signature": "AA=="},
)
RECORD = {
    "home_id": "6f1c1c1e-0000-4000-8000-000000000001",
    "owner_signing_keys": ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="],
    "log_vkey": "hub.test+01234567+AQ==",
    "key_list": {"version": 1, "body": "e30=", "signer": "AA==", "signature": "AA=="},
}


def test_saved_trust_reads_back_and_only_its_owner_may_read_it(tmp_path: Path) -> None:
    path = tmp_path / "data" / "trust.json"
    save_trust(path, TRUST)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == RECORD
    assert load_trust(path) == TRUST


@pytest.mark.parametrize(
    ("record", "says"),
    [
        (None, "can't be read"),
        ("not json", "is not JSON"),
        ({**RECORD, "checkpoint": None}, "must hold exactly"),
        ({k: v for k, v in RECORD.items() if k != "log_vkey"}, "must hold exactly"),
        ({**RECORD, "owner_signing_keys": []}, "is damaged"),
        ({**RECORD, "owner_signing_keys": ["AAEC"]}, "is damaged"),
        ({**RECORD, "owner_signing_keys": ["%%%"]}, "is damaged"),
        ({**RECORD, "home_id": "home"}, "is damaged"),
        ({**RECORD, "log_vkey": 7}, "is damaged"),
        ({**RECORD, "key_list": [1]}, "is damaged"),
    ],
)
def test_missing_or_damaged_trust_says_to_pair(tmp_path: Path, record: object, says: str) -> None:
    path = tmp_path / "trust.json"
    if record is not None:
        text = record if isinstance(record, str) else json.dumps(record)
        path.write_text(text)
        path.chmod(0o600)
    with pytest.raises(ConfigurationError) as refused:
        load_trust(path)
    assert says in refused.value.detail
    assert "pair this device first with `doorstep edge pair CODE --hub URL`" in refused.value.detail


def test_trust_others_could_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trust.json"
    save_trust(path, TRUST)
    path.chmod(0o664)
    with pytest.raises(ConfigurationError, match="can't be read"):
        load_trust(path)
