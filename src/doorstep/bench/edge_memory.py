"""``doorstep bench edge``, memory: peak resident memory per camera and of ``doorstep up``.

Each figure is the peak RSS of a process of its own, started for it: its resident set summed
over the process and its descendants, sampled every :data:`SAMPLE_S`, and never less than
the kernel's exact high-water mark (``VmHWM``) of the process itself. Read from ``/proc``:
Linux only, as edge devices are. MB here are MiB (2^20 bytes), as ``ps`` and ``top`` count.

- ``rss_mb_per_camera``: an edge process runs what ``doorstep edge run`` runs for each
  camera (:func:`capture` into a :class:`CameraPipeline` with its detector, a thread each)
  for :data:`CAMERAS` generated 720p 15 fps cameras, their scenes generated at start as the
  demo's are, until every camera has recorded an event. The same process with no camera
  (the interpreter, PyAV, OpenCV and the pipeline's code loaded) is the base; the figure is
  (peak with the cameras − base) / :data:`CAMERAS`.
- ``up_rss_mb``: ``doorstep up`` in a fresh temporary data directory on free ports (the
  hub and its demo edge with two generated cameras, one process) from start until a clip
  of the demo edge has reached the hub (recorded, sealed and uploaded: both cameras
  decoding all along), then :data:`SETTLE_S` more. ``up_hub_rss_mb``: ``doorstep up
  --no-edge`` until /healthz answers, then :data:`SETTLE_S`: the hub's share of it.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from doorstep.bench.resolutions import GOAL_RESOLUTION, RESOLUTIONS
from doorstep.errors import DoorstepError

CAMERAS = 2
CAMERA_GOAL_MB = 150.0  # the most one 720p camera may add to an edge process
UP_GOAL_MB = 600.0  # the most `doorstep up` (hub and demo edge) may hold
SAMPLE_S = 0.2
SETTLE_S = 10.0  # sampling goes on this long after the awaited moment
CAMERA_TIMEOUT_S = 120.0  # for every camera to record an event
UP_TIMEOUT_S = 180.0  # for the first demo clip to reach the hub
MIB = 1024 * 1024
Report = Callable[[str], None]


@dataclass(frozen=True)
class MemoryResult:
    """Peak RSS in MB of each process measured, and what each did meanwhile."""

    edge_base_mb: float
    edge_mb: float  # with CAMERAS cameras
    camera_events: list[int]  # recorded by each camera
    up_hub_mb: float
    up_mb: float
    up_clips: int  # demo clips at the hub when sampling stopped

    @property
    def per_camera_mb(self) -> float:
        return (self.edge_mb - self.edge_base_mb) / CAMERAS

    def goals(self) -> list[tuple[str, float, float]]:
        """(key, measured MB, goal MB): each met when measured ≤ goal."""
        return [
            ("rss_mb_per_camera", self.per_camera_mb, CAMERA_GOAL_MB),
            ("up_rss_mb", self.up_mb, UP_GOAL_MB),
        ]

    def as_json(self) -> dict[str, Any]:
        width, height = RESOLUTIONS[GOAL_RESOLUTION]
        return {
            "rss_mb_per_camera": self.per_camera_mb,
            "up_rss_mb": self.up_mb,
            "memory": {
                "cameras": CAMERAS,
                "frame": [width, height],
                "edge_base_rss_mb": self.edge_base_mb,
                "edge_rss_mb": self.edge_mb,
                "camera_events": self.camera_events,
                "up_hub_rss_mb": self.up_hub_mb,
                "up_clips": self.up_clips,
            },
        }


def measure_memory(report: Report) -> MemoryResult:
    """Start each process in turn (see the module's docstring) and keep its peak RSS."""
    if not Path("/proc/self/status").exists():
        raise DoorstepError("memory is measured from /proc, which only Linux has")
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-memory-") as tmp:
        report("memory: an edge process with no camera")
        base_mb, _ = _edge_process(0, Path(tmp) / "base")
        report(f"memory: an edge process with {CAMERAS} generated {GOAL_RESOLUTION} cameras")
        edge_mb, events = _edge_process(CAMERAS, Path(tmp) / "cameras")
        report("memory: doorstep up --no-edge")
        hub_mb, _ = _up(Path(tmp) / "hub", edge=False)
        report("memory: doorstep up, until a demo clip reaches the hub")
        up_mb, clips = _up(Path(tmp) / "up", edge=True)
    return MemoryResult(base_mb, edge_mb, events, hub_mb, up_mb, clips)


def _edge_process(cameras: int, directory: Path) -> tuple[float, list[int]]:
    """Peak MB of an edge process running ``cameras`` cameras, and their events."""
    directory.mkdir()
    command = [sys.executable, "-m", __name__, str(cameras), str(directory)]
    log = directory.with_suffix(".log")
    with log.open("wb") as errors:  # a file: a pipe nobody reads could fill and block it
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        try:
            peak = _peak(process, ready=None, timeout_s=CAMERA_TIMEOUT_S + 60)
            out = process.communicate()[0]
        finally:
            _stop(process)
    if process.returncode != 0:
        raise DoorstepError(f"the edge process failed: {_last_line(log.read_bytes())}")
    figures = json.loads(out)
    events: list[int] = figures["events"]
    if not all(events):
        raise DoorstepError(f"a camera recorded no event in {CAMERA_TIMEOUT_S:g} s: {events}")
    return max(peak, figures["peak_kb"] / 1024), events


def _up(directory: Path, *, edge: bool) -> tuple[float, int]:
    """Peak MB of ``doorstep up`` until it is ready (see the module's docstring), and the
    clips at the hub by then."""
    port, live_port = _free_port(), _free_port()
    command = [sys.executable, "-m", "doorstep", "up", "--data", str(directory)]
    command += ["--port", str(port), "--live-port", str(live_port)]
    command += [] if edge else ["--no-edge"]
    log = directory.with_suffix(".log")
    clips = directory / "blobs"

    def ready() -> bool:
        if edge:
            return any(clips.glob("**/clip-*"))
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success
        except httpx.HTTPError:
            return False

    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            peak = _peak(process, ready=ready, timeout_s=UP_TIMEOUT_S)
        except DoorstepError as exc:
            detail = f"doorstep up: {exc.detail}; {_last_line(log.read_bytes())}"
            raise DoorstepError(detail) from exc
        finally:
            _stop(process)
    return peak, sum(1 for _ in clips.glob("**/clip-*"))


def _peak(
    process: subprocess.Popen[bytes], *, ready: Callable[[], bool] | None, timeout_s: float
) -> float:
    """Peak MB of ``process`` and its descendants: until it exits (``ready`` None), or
    until ``ready()`` and :data:`SETTLE_S` more."""
    peak_kb, started, settled_at = 0, time.monotonic(), None
    while process.poll() is None:
        peak_kb = max(peak_kb, _tree_rss_kb(process.pid), _status_kb(process.pid, "VmHWM"))
        now = time.monotonic()
        if settled_at is None and ready is not None and ready():
            settled_at = now + SETTLE_S
        if settled_at is not None and now >= settled_at:
            return peak_kb / 1024
        if now - started > timeout_s:
            raise DoorstepError(f"not ready in {timeout_s:g} s")
        time.sleep(SAMPLE_S)
    if ready is not None:
        raise DoorstepError(f"it exited ({process.returncode}) before it was ready")
    return peak_kb / 1024


def _tree_rss_kb(root: int) -> int:
    """Resident kB of ``root`` and every process below it, now."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # it ended meanwhile
        children.setdefault(parent, []).append(int(stat.parent.name))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, ()))
        total += _status_kb(pid, "VmRSS")
    return total


def _status_kb(pid: int | str, field: str) -> int:
    """A kB field of /proc/PID/status; 0 once the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith(f"{field}:")), 0)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a person stops it; killed if it hasn't stopped within a minute."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _last_line(output: bytes) -> str:
    lines = output.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "no output"


def run_cameras(cameras: int, directory: Path) -> list[int]:
    """The edge process measured: ``cameras`` generated cameras, each capture → pipeline in
    a thread of its own as the edge daemon runs them, until each has recorded an event or
    :data:`CAMERA_TIMEOUT_S` has passed; the events of each."""
    from doorstep.edge.capture import capture
    from doorstep.edge.config import CameraConfig, SyntheticSource
    from doorstep.edge.detect.factory import make_detector, make_face_detector
    from doorstep.edge.media import CameraHealth
    from doorstep.edge.pipeline import CameraPipeline

    width, height = RESOLUTIONS[GOAL_RESOLUTION]
    stop, events = threading.Event(), [0] * cameras

    def run(number: int) -> None:
        # People cross about every 7 s, so each camera records within half a minute.
        source = SyntheticSource(people=3, period_s=20, width=width, height=height, seed=number)
        camera = CameraConfig(id=uuid.uuid4(), name=f"camera {number}", source=source)

        def count(event: object) -> None:
            events[number] += 1

        pipeline = CameraPipeline(
            camera,
            detector=make_detector(camera.detect),
            faces=make_face_detector(camera.detect.faces),
            on_event=count,
            workdir=directory,
        )
        for item in capture(camera, stop=stop, health=CameraHealth(), data_dir=directory):
            pipeline.process(item)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(cameras)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + CAMERA_TIMEOUT_S
    while not all(events) and time.monotonic() < deadline:
        time.sleep(SAMPLE_S)
    stop.set()
    for thread in threads:
        thread.join()
    return events


if __name__ == "__main__":  # the edge process _edge_process starts: CAMERAS DIRECTORY
    counted = run_cameras(int(sys.argv[1]), Path(sys.argv[2]))
    sys.stdout.write(json.dumps({"events": counted, "peak_kb": _status_kb("self", "VmHWM")}))
