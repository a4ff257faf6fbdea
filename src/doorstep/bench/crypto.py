"""``doorstep bench crypto``: seal and open throughput of the clip format against SHA-256.

A random clip (10 MB by default) is sealed with :func:`seal_part` under a fresh content
key and Ed25519 device key, and opened with :func:`open_part`: each once to warm up, then
``repeat`` rounds of every measurement in turn, so load drifting on the machine weighs on
all of them alike. The median wall time of each gives MB/s.

The baseline is SHA-256 of the same clip (hashlib, as the format computes it), in the
same rounds. The format signs the SHA-256 of the plaintext, so every seal and every open
hashes the whole clip once: SHA-256 bounds both, and the goal is to come within 0.8
of it. Two more rows show what the cipher costs: ``openssl speed -evp
aes-256-gcm`` at the format's chunk size (64 KiB), run first, and AES-256-GCM through
``cryptography``'s ``AESGCM`` over the same 64 KiB chunks.

Then the cost of checking a key against the log: ``key_check_ms`` (p99 of fetching your
key from a running hub and checking its proof) against ``plain_fetch_ms`` (the same
fetch unchecked, same run), goal: at most twice (:mod:`doorstep.bench.keycheck`).

Units: MB is 10^6 bytes throughout, as ``openssl speed`` counts (it prints thousands of
bytes per second); the clip's size is ``--size-mb`` × 10^6 bytes.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import ssl
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cryptography
from cryptography.hazmat.backends.openssl.backend import backend
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.bench.keycheck import KeyCheckResult, run_key_check_bench
from doorstep.crypto.decrypt import open_part
from doorstep.crypto.format import DEFAULT_CHUNK_SIZE, TAG_BYTES
from doorstep.crypto.stream import PartContext, new_content_key, seal_part
from doorstep.errors import ConfigurationError, CryptoError

MB = 1_000_000  # bytes; openssl speed reports in 1000s of bytes per second
CHUNK_SIZE = DEFAULT_CHUNK_SIZE  # 65536: every chunk of a clip but the last is this long
GOAL_RATIO = 0.8  # min(seal, open) as a fraction of SHA-256 over the same clip, at least
OPENSSL_CIPHER = "aes-256-gcm"
Report = Callable[[str], None]


@dataclass(frozen=True)
class Timing:
    """Wall seconds of each measured run over ``size`` bytes; the median sets the figure."""

    size: int
    seconds: list[float]

    @property
    def mb_s(self) -> float:
        median = statistics.median(self.seconds)
        return self.size / median / MB if median > 0 else 0.0

    @property
    def best_mb_s(self) -> float:
        best = min(self.seconds)
        return self.size / best / MB if best > 0 else 0.0


@dataclass(frozen=True)
class CryptoBenchResult:
    clip_bytes: int
    repeat: int
    openssl_seconds: int
    openssl_mb_s: float
    openssl_version: str
    seal: Timing
    open: Timing
    sha256: Timing
    aesgcm: Timing
    key_check: KeyCheckResult

    @property
    def ratio(self) -> float:
        """The slower of seal and open as a fraction of SHA-256 over the same clip."""
        slower = min(self.seal.mb_s, self.open.mb_s)
        return slower / self.sha256.mb_s if self.sha256.mb_s > 0 else 0.0

    @property
    def goal_met(self) -> bool:
        return self.ratio >= GOAL_RATIO

    def as_json(self) -> dict[str, Any]:
        return {
            "seal_mb_s": self.seal.mb_s,
            "open_mb_s": self.open.mb_s,
            "openssl_mb_s": self.openssl_mb_s,
            "sha256_mb_s": self.sha256.mb_s,
            "ratio": self.ratio,
            "seal_to_sha256": self.seal.mb_s / self.sha256.mb_s if self.sha256.mb_s > 0 else 0.0,
            "open_to_sha256": self.open.mb_s / self.sha256.mb_s if self.sha256.mb_s > 0 else 0.0,
            "aesgcm_mb_s": self.aesgcm.mb_s,
            "seal_best_mb_s": self.seal.best_mb_s,
            "open_best_mb_s": self.open.best_mb_s,
            "clip_mb": self.clip_bytes / MB,
            "clip_bytes": self.clip_bytes,
            "chunk_size": CHUNK_SIZE,
            "repeat": self.repeat,
            "openssl_seconds": self.openssl_seconds,
            "goal_ratio": GOAL_RATIO,
            "goal_met": self.goal_met,
            **self.key_check.as_json(),
            "runs": {
                "seal_s": self.seal.seconds,
                "open_s": self.open.seconds,
                "sha256_s": self.sha256.seconds,
                "aesgcm_s": self.aesgcm.seconds,
            },
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "cryptography": cryptography.__version__,
                "cryptography_openssl": backend.openssl_version_text(),
                "hashlib_openssl": ssl.OPENSSL_VERSION,
                "openssl_cli": self.openssl_version,
            },
        }


def find_openssl() -> str:
    """The ``openssl`` executable on PATH; ConfigurationError in one line if there is none."""
    path = shutil.which("openssl")
    if path is None:
        raise ConfigurationError(
            "openssl was not found on PATH; it runs the baseline "
            "(install it, e.g. apt-get install openssl)"
        )
    return path


def run_crypto_bench(
    *,
    size_mb: float = 10.0,
    repeat: int = 9,
    openssl_seconds: int = 3,
    key_samples: int = 200,
    progress: Report | None = None,
) -> CryptoBenchResult:
    """Measure openssl's AES-256-GCM first, then SHA-256, seal, open and AESGCM in turn,
    then a key's fetch with and without its check against the log."""
    report = progress or (lambda message: None)
    openssl = find_openssl()
    report(f"openssl speed -evp {OPENSSL_CIPHER}, {openssl_seconds} s")
    openssl_mb_s = openssl_speed(openssl, seconds=openssl_seconds)
    version = _openssl_version(openssl)

    size = max(1, round(size_mb * MB))
    plaintext = os.urandom(size)
    device_key = Ed25519PrivateKey.generate()
    content_key = new_content_key()
    now = datetime.now(UTC)
    context = PartContext(
        clip_id=uuid.uuid4(), camera_id=uuid.uuid4(), part="clip", started_at=now, ended_at=now
    )
    device_public = device_key.public_key()

    def seal() -> bytes:
        return seal_part(
            plaintext,
            content_key=content_key,
            context=context,
            device_key=device_key,
            chunk_size=CHUNK_SIZE,
        )

    sealed = seal()
    opened = open_part(
        sealed,
        content_key=content_key,
        clip_id=context.clip_id,
        part=context.part,
        device_public=device_public,
    )
    if opened.plaintext != plaintext:
        raise CryptoError("the opened clip differs from the sealed one")

    def open_() -> bytes:
        return open_part(
            sealed,
            content_key=content_key,
            clip_id=context.clip_id,
            part=context.part,
            device_public=device_public,
        ).plaintext

    def sha256() -> bytes:
        return hashlib.sha256(plaintext).digest()

    aead = AESGCM(os.urandom(32))
    aad = sealed[:256]  # about as long as a real header's
    chunks = [memoryview(plaintext)[at : at + CHUNK_SIZE] for at in range(0, size, CHUNK_SIZE)]
    target = bytearray(CHUNK_SIZE + TAG_BYTES)

    def aesgcm() -> None:
        with memoryview(target) as view:
            for index, chunk in enumerate(chunks):
                iv = index.to_bytes(12, "big")
                aead.encrypt_into(iv, chunk, aad, view[: len(chunk) + TAG_BYTES])

    steps: dict[str, Callable[[], object]] = {
        "SHA-256": sha256,
        "seal": seal,
        "open": open_,
        "AESGCM": aesgcm,
    }
    for step in steps.values():
        step()  # warm-up
    runs: dict[str, list[float]] = {name: [] for name in steps}
    for number in range(1, repeat + 1):
        report(f"{size / MB:g} MB clip: SHA-256, seal, open, AESGCM, round {number} of {repeat}")
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            runs[name].append(time.perf_counter() - start)
    timings = {name: Timing(size=size, seconds=seconds) for name, seconds in runs.items()}
    key_check = run_key_check_bench(samples=key_samples, progress=report)
    return CryptoBenchResult(
        clip_bytes=size,
        repeat=repeat,
        openssl_seconds=openssl_seconds,
        openssl_mb_s=openssl_mb_s,
        openssl_version=version,
        seal=timings["seal"],
        open=timings["open"],
        sha256=timings["SHA-256"],
        aesgcm=timings["AESGCM"],
        key_check=key_check,
    )


def openssl_speed(openssl: str, *, seconds: int, algorithm: str = OPENSSL_CIPHER) -> float:
    """MB/s of ``openssl speed -evp ALGORITHM`` at :data:`CHUNK_SIZE`-byte blocks."""
    command = [
        openssl,
        "speed",
        "-evp",
        algorithm,
        "-bytes",
        str(CHUNK_SIZE),
        "-seconds",
        str(seconds),
    ]
    shown = " ".join(["openssl", *command[1:]])
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds * 10 + 30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigurationError(f"{shown} did not run: {exc}") from exc
    if done.returncode != 0:
        said = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        raise ConfigurationError(
            f"{shown} failed with exit code {done.returncode}: {said[-1] if said else 'no message'}"
        )
    return parse_openssl_speed(done.stdout, command=shown)


def parse_openssl_speed(output: str, *, command: str = "openssl speed") -> float:
    """MB/s from ``openssl speed``'s last line, e.g. ``AES-256-GCM  4409393.15k``.

    The figure is in thousands of bytes per second.
    """
    lines = [line for line in output.splitlines() if line.strip()]
    match = re.search(r"([0-9.]+)k\s*$", lines[-1]) if lines else None
    if match is None:
        last = lines[-1].strip() if lines else "nothing"
        raise ConfigurationError(f"{command} printed no figure (its last line: {last!r})")
    return float(match.group(1)) * 1000 / MB


def _openssl_version(openssl: str) -> str:
    try:
        done = subprocess.run(
            [openssl, "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() or "unknown"
