"""What checking a key against the log costs a client: fetch + proof check against the fetch.

A throwaway hub (SQLite, one resident whose key is published) runs under uvicorn in a
child process on 127.0.0.1. One client, on one keep-alive connection, alternates two
measurements ``samples`` times after a warm-up: ``GET /v1/me/key`` alone (the plain
fetch), and the same fetch followed by the owner client's whole check
(:meth:`doorstep.owner.trust.KeyChecker.own_key`: the ids recomputed, the entry, the
checkpoint's signature, the inclusion proof, and the checkpoint memory read from its
file). The figures are the p99 of each; the goal is a ratio of at most 2.
"""

from __future__ import annotations

import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doorstep.bench.api import HUB_FACTORY, hub_config, seed_hub, serve
from doorstep.crypto.format import MIN_BOX_ITERATIONS, MIN_BOX_MEMORY_KIB, BoxParameters
from doorstep.owner.api import HubApi
from doorstep.owner.keys import publish_user_key
from doorstep.owner.trust import KeyChecker, TrustStore

GOAL_KEY_CHECK_RATIO = 2.0  # fetch + check over the plain fetch, p99, at most
WARM_UP = 20  # rounds of both before measuring
CHEAP_BOX = BoxParameters(memory_kib=MIN_BOX_MEMORY_KIB, iterations=MIN_BOX_ITERATIONS, lanes=1)


@dataclass(frozen=True)
class KeyCheckResult:
    samples: int
    plain_s: list[float]
    checked_s: list[float]

    @property
    def plain_fetch_ms(self) -> float:
        return _p99(self.plain_s) * 1000

    @property
    def key_check_ms(self) -> float:
        return _p99(self.checked_s) * 1000

    @property
    def ratio(self) -> float:
        return self.key_check_ms / self.plain_fetch_ms if self.plain_fetch_ms > 0 else 0.0

    @property
    def goal_met(self) -> bool:
        return self.ratio <= GOAL_KEY_CHECK_RATIO

    def as_json(self) -> dict[str, Any]:
        return {
            "key_check_ms": self.key_check_ms,
            "plain_fetch_ms": self.plain_fetch_ms,
            "key_check_ratio": self.ratio,
            "key_check_goal_ratio": GOAL_KEY_CHECK_RATIO,
            "key_check_goal_met": self.goal_met,
            "key_check_samples": self.samples,
        }


def _p99(seconds: list[float]) -> float:
    return statistics.quantiles(seconds, n=100)[98] if len(seconds) > 1 else seconds[0]


def run_key_check_bench(
    *, samples: int = 200, progress: Callable[[str], None] | None = None
) -> KeyCheckResult:
    """Serve a throwaway hub with one published key; time the fetch with and without the check."""
    report = progress or (lambda message: None)
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-keys-") as tmp:
        data_dir = Path(tmp)
        settings, env = hub_config(data_dir)
        report("key check: seeding a throwaway hub with one resident")
        token = seed_hub(settings)
        with serve([HUB_FACTORY], env, data_dir) as ports:
            url = f"http://127.0.0.1:{ports[HUB_FACTORY]}"
            with HubApi(url, token) as api:
                checker = KeyChecker(api, TrustStore(data_dir / "trust" / "hub.json"))
                private = publish_user_key(
                    api, secrets.token_urlsafe(24), parameters=CHEAP_BOX, checker=checker
                )
                me = checker.me(private)

                def plain() -> None:
                    api.call("GET", "/v1/me/key")

                def checked() -> None:
                    checker.own_key(me, api.call("GET", "/v1/me/key"))

                for _ in range(WARM_UP):
                    plain()
                    checked()
                report(f"key check: GET /v1/me/key with and without the check, {samples} times")
                runs: dict[str, list[float]] = {"plain": [], "checked": []}
                for _ in range(samples):
                    for name, step in (("plain", plain), ("checked", checked)):
                        start = time.perf_counter()
                        step()
                        runs[name].append(time.perf_counter() - start)
    return KeyCheckResult(samples, runs["plain"], runs["checked"])
