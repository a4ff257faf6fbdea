"""`doorstep` starts fast: a command loads the hub, the video pipeline or a browser only
when it runs one, and nothing hashes a password at import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Libraries that take tenths of a second to import, and the commands that need them.
HEAVY = (
    "alembic",
    "av",
    "boto3",
    "cv2",
    "fastapi",
    "numpy",
    "onnxruntime",
    "paho",
    "PIL",
    "playwright",
    "shapely",
    "sqlalchemy",
    "starlette",
    "uvicorn",
)
# Every command group loads with the CLI; a command loads what its own work needs only
# when it runs. So none of these may import one.
COMMANDS = (
    ("--help",),
    ("evidence", "verify", "--help"),
    ("keys", "--help"),
    ("keys", "list", "--help"),
    ("audit", "verify", "--help"),
    ("inbox", "--help"),
    ("admin", "create", "--help"),
    ("edge", "pair", "--help"),
    ("hub", "serve", "--help"),
)

# Runs in a fresh interpreter: counts the Argon2 hashes made while the CLI and the hub's
# password module load, runs each command, then lists the heavy libraries loaded.
CHILD = textwrap.dedent(
    """
    import json, sys
    import argon2

    hashed = []
    real_hash = argon2.PasswordHasher.hash
    def recording_hash(self, *args, **kwargs):
        hashed.append(True)
        return real_hash(self, *args, **kwargs)
    argon2.PasswordHasher.hash = recording_hash

    import doorstep.cli
    import doorstep.hub.accounts.security
    heavy, commands = json.loads(sys.argv[1])
    for command in commands:
        sys.argv = ["doorstep", *command]
        try:
            doorstep.cli.main()
        except SystemExit:
            pass
    loaded = [name for name in heavy if name in sys.modules]
    print(json.dumps({"hashed_at_import": len(hashed), "loaded": loaded}))
    """
)


def test_commands_load_no_heavy_library_and_hash_nothing_at_import() -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([HEAVY, COMMANDS])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout.splitlines()[-1])
    assert report["hashed_at_import"] == 0
    assert report["loaded"] == []
