"""``doorstep bench crypto`` runs end to end and reports sane, consistent figures."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.bench.crypto import parse_openssl_speed
from doorstep.cli import app
from doorstep.errors import ConfigurationError

OPENSSL_SPEED_OUTPUT = """\
version: 3.0.19
built on: Tue Jan 27 00:00:00 2026 UTC
options: bn(64,64)
compiler: gcc -fPIC -pthread -m64
CPUINFO: OPENSSL_ia32cap=0xfffa3203078bffff:0x405fc6f1bf07ab
The 'numbers' are in 1000s of bytes per second processed.
type          65536 bytes
AES-256-GCM    4409393.15k
"""


def test_bench_crypto_json_reports_seal_and_open_against_sha256_of_the_same_clip() -> None:
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "crypto",
            "--size-mb",
            "1",
            "--repeat",
            "2",
            "--openssl-seconds",
            "1",
            "--key-samples",
            "5",
            "--json",
        ],
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in ("sha256_mb_s", "seal_mb_s", "open_mb_s", "openssl_mb_s", "aesgcm_mb_s", "ratio"):
        assert isinstance(report[key], float), key
        assert report[key] > 0, key
    sha256, seal, open_ = report["sha256_mb_s"], report["seal_mb_s"], report["open_mb_s"]
    # The goal: the slower of seal and open within 0.8 of SHA-256 over the same clip.
    assert report["ratio"] == pytest.approx(min(seal, open_) / sha256)
    assert report["seal_to_sha256"] == pytest.approx(seal / sha256)
    assert report["open_to_sha256"] == pytest.approx(open_ / sha256)
    assert report["goal_ratio"] == 0.8
    assert report["goal_met"] is (min(seal, open_) >= 0.8 * sha256)
    assert (report["clip_bytes"], report["clip_mb"], report["chunk_size"]) == (10**6, 1.0, 65536)
    assert (report["repeat"], report["openssl_seconds"]) == (2, 1)
    for name in ("seal", "open", "sha256", "aesgcm"):
        runs = report["runs"][f"{name}_s"]
        assert len(runs) == 2 and all(seconds > 0 for seconds in runs), name
        # A 1 MB clip: MB/s is one over the median of the runs' seconds.
        assert report[f"{name}_mb_s"] == pytest.approx(1 / statistics.median(runs)), name
    assert report["seal_best_mb_s"] == pytest.approx(1 / min(report["runs"]["seal_s"]))
    assert report["open_best_mb_s"] == pytest.approx(1 / min(report["runs"]["open_s"]))
    assert report["machine"]["openssl_cli"].startswith("OpenSSL")
    # A key's fetch from a running hub with and without its log check, same run.
    for key in ("key_check_ms", "plain_fetch_ms", "key_check_ratio"):
        assert isinstance(report[key], float) and report[key] > 0, key
    assert report["key_check_ratio"] == pytest.approx(
        report["key_check_ms"] / report["plain_fetch_ms"]
    )
    assert (report["key_check_goal_ratio"], report["key_check_samples"]) == (2, 5)
    assert report["key_check_goal_met"] is (report["key_check_ratio"] <= 2)


def test_bench_crypto_table_measures_against_sha256() -> None:
    result = CliRunner().invoke(
        app,
        ["bench", "crypto", "--size-mb", "1", "--repeat", "1", "--openssl-seconds", "1"]
        + ["--key-samples", "2"],
    )

    assert result.exit_code == 0, result.output
    assert "× SHA-256" in result.stdout
    assert "× openssl" not in result.stdout
    assert "ratio, min(seal, open) to SHA-256:" in result.stdout
    assert "goal ≥ 0.8" in result.stdout
    assert "key check, p99 of 2: fetch + proof check" in result.stdout
    assert "goal ≤ 2" in result.stdout


def test_bench_crypto_without_openssl_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no openssl on PATH

    result = CliRunner().invoke(app, ["bench", "crypto", "--json", "--size-mb", "1"])

    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "openssl was not found on PATH" in lines[0]


def test_openssl_speed_output_is_read_in_thousands_of_bytes_per_second() -> None:
    assert parse_openssl_speed(OPENSSL_SPEED_OUTPUT) == pytest.approx(4409.39315)

    with pytest.raises(ConfigurationError, match="printed no figure"):
        parse_openssl_speed("type          65536 bytes\n")
