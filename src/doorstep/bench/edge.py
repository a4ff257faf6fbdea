"""``doorstep bench edge``: CPU the camera pipeline spends per second of video, against decoding.

The inputs are generated with :mod:`doorstep.edge.synthetic` at each resolution, 15 fps
H.264 as the demo cameras make it: a static street with nobody in it, and the same street
with people crossing all the time (a walker enters every 3 s and takes 6 s to cross, so
someone is always in view). Each is encoded once per run, into a temporary directory.

Three measurements per resolution, each the process's CPU time (user + system, every
thread: FFmpeg's decoder threads and OpenCV's included) per second of stream:

- the floor: demux and decode every frame with PyAV exactly as capture does (the same
  build, the codec context's default threading, untouched), over each input;
- idle: :class:`CameraPipeline` fed by :func:`capture` over the static input, with
  the shipped detectors (HOG, and faces when the face model is installed);
- motion: the same over the moving input, where events are recorded (counted, then
  dropped) without their blurred twins: a twin costs per second of *clip*, once per
  event, not per second of stream, and ``doorstep bench detect`` measures it
  (``redact_realtime_factor``). Here the moving input makes an event every 3 s, whose
  clips, pre- and post-roll included, add up to about six times the stream's length.

Idle is compared with the static input's floor, motion with the moving input's: what the
pipeline adds over decoding that very stream. Each is repeated and the median is kept.
Nothing here changes the pipeline's threads: it runs as in production.

Then memory, in processes of their own (:mod:`doorstep.bench.edge_memory`): the peak RSS
one 720p camera adds to an edge process, and that of ``doorstep up`` with its demo edge.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import av
import cv2

from doorstep.bench.edge_memory import MemoryResult, measure_memory
from doorstep.bench.resolutions import GOAL_RESOLUTION, RESOLUTIONS
from doorstep.edge import synthetic
from doorstep.edge.capture import capture
from doorstep.edge.config import CameraConfig, FileSource
from doorstep.edge.detect.factory import make_detector, make_face_detector
from doorstep.edge.media import CameraHealth
from doorstep.edge.pipeline import CameraPipeline, RecordedEvent

FPS = 15
CROSSING_S = 6.0  # how long a walker takes to cross the frame
WALKER_EVERY_S = 3.0  # a new walker this often: two in view at times, never none
IDLE_GOAL = 1.15  # the most idle may cost, as a multiple of decoding alone
MOTION_GOAL = 2.0  # the same with people in view all the time
Scene = Literal["static", "motion"]
Report = Callable[[str], None]


@dataclass(frozen=True)
class Timing:
    """One measurement, repeated: CPU and wall seconds of each run over ``stream_s`` of video."""

    stream_s: float
    cpu_s: list[float]
    wall_s: list[float]
    events: int  # recorded by the last run (every run sees the same input)

    @property
    def cpu_per_stream_s(self) -> float:
        """Median CPU seconds per second of video."""
        return statistics.median(self.cpu_s) / self.stream_s

    @property
    def threads_busy(self) -> float:
        """Median CPU seconds per wall second: above 1 when several threads worked at once."""
        return statistics.median(c / w for c, w in zip(self.cpu_s, self.wall_s, strict=True))

    @property
    def streams_per_core(self) -> float:
        return 1.0 / self.cpu_per_stream_s if self.cpu_per_stream_s > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "cpu_s_per_stream_s": self.cpu_per_stream_s,
            "streams_per_core": self.streams_per_core,
            "threads_busy": self.threads_busy,
            "cpu_s": self.cpu_s,
            "wall_s": self.wall_s,
            "events": self.events,
        }


@dataclass(frozen=True)
class ResolutionResult:
    name: str
    width: int
    height: int
    floor_static: Timing
    floor_motion: Timing
    idle: Timing
    motion: Timing

    @property
    def idle_ratio(self) -> float:
        return self.idle.cpu_per_stream_s / self.floor_static.cpu_per_stream_s

    @property
    def motion_ratio(self) -> float:
        return self.motion.cpu_per_stream_s / self.floor_motion.cpu_per_stream_s

    def rows(self) -> Iterator[tuple[Scene, str, Timing, float]]:
        """(input, run, timing, ratio to that input's floor) in the order the table shows."""
        yield "static", "decode", self.floor_static, 1.0
        yield "static", "pipeline", self.idle, self.idle_ratio
        yield "motion", "decode", self.floor_motion, 1.0
        yield "motion", "pipeline", self.motion, self.motion_ratio


@dataclass(frozen=True)
class EdgeBenchResult:
    seconds: float
    repeat: int
    resolutions: list[ResolutionResult]
    memory: MemoryResult

    def goals(self) -> list[tuple[str, float, float]]:
        """(what, measured ratio, goal) at :data:`GOAL_RESOLUTION`, if it was measured."""
        for result in self.resolutions:
            if result.name == GOAL_RESOLUTION:
                return [
                    ("idle", result.idle_ratio, IDLE_GOAL),
                    ("motion", result.motion_ratio, MOTION_GOAL),
                ]
        return []

    def as_json(self) -> dict[str, Any]:
        figures: dict[str, Any] = {"seconds": self.seconds, "repeat": self.repeat, "fps": FPS}
        for result in self.resolutions:
            name = result.name
            figures |= {
                f"floor_{name}": result.floor_static.cpu_per_stream_s,
                f"floor_motion_{name}": result.floor_motion.cpu_per_stream_s,
                f"idle_{name}": result.idle.cpu_per_stream_s,
                f"motion_{name}": result.motion.cpu_per_stream_s,
                f"idle_ratio_{name}": result.idle_ratio,
                f"motion_ratio_{name}": result.motion_ratio,
                f"idle_events_{name}": result.idle.events,
                f"motion_events_{name}": result.motion.events,
            }
        figures["runs"] = {
            result.name: {
                "frame": [result.width, result.height],
                "floor_static": result.floor_static.as_json(),
                "floor_motion": result.floor_motion.as_json(),
                "idle": result.idle.as_json(),
                "motion": result.motion.as_json(),
            }
            for result in self.resolutions
        }
        figures |= self.memory.as_json()
        figures["goals"] = {
            f"{what}_ratio_{GOAL_RESOLUTION}": {"ratio": ratio, "goal": goal, "met": ratio <= goal}
            for what, ratio, goal in self.goals()
        } | {
            key: {"mb": measured, "goal": goal, "met": measured <= goal}
            for key, measured, goal in self.memory.goals()
        }
        figures["goal_met"] = all(goal["met"] for goal in figures["goals"].values())
        figures["machine"] = {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "pyav": av.__version__,
            "libavcodec": ".".join(map(str, av.library_versions.get("libavcodec", ()))),
            "opencv": cv2.__version__,
            "opencv_threads": cv2.getNumThreads(),
        }
        return figures


def run_edge_bench(
    *,
    seconds: float = 20.0,
    repeat: int = 3,
    resolutions: tuple[str, ...] = ("720p", "1080p"),
    progress: Report | None = None,
) -> EdgeBenchResult:
    """Generate the inputs once, then measure the floor, idle and motion at each resolution
    (keys of :data:`RESOLUTIONS`). The runs of one resolution are interleaved (floor, idle,
    motion, then again), so a neighbour's load drifting weighs on all of them alike.
    Memory is measured last, alone.
    """
    report = progress or (lambda message: None)
    results = []
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-edge-") as tmp:
        workdir = Path(tmp)
        for name in dict.fromkeys(resolutions):
            width, height = RESOLUTIONS[name]
            static = _input(workdir, (width, height), "static", seconds, report)
            moving = _input(workdir, (width, height), "motion", seconds, report)
            steps: dict[str, Callable[[], int]] = {
                "floor_static": partial(decode_only, static),
                "idle": partial(run_pipeline, static, workdir),
                "floor_motion": partial(decode_only, moving),
                "motion": partial(run_pipeline, moving, workdir),
            }
            runs: dict[str, list[tuple[float, float, int]]] = {key: [] for key in steps}
            for number in range(1, repeat + 1):
                for key, step in steps.items():
                    report(f"{name}: {key.replace('_', ' ')}, run {number} of {repeat}")
                    runs[key].append(_timed(step))
            timings = {
                key: Timing(
                    stream_s=seconds,
                    cpu_s=[cpu for cpu, _, _ in measured],
                    wall_s=[wall for _, wall, _ in measured],
                    events=measured[-1][2],
                )
                for key, measured in runs.items()
            }
            results.append(ResolutionResult(name=name, width=width, height=height, **timings))
    memory = measure_memory(report)
    return EdgeBenchResult(seconds=seconds, repeat=repeat, resolutions=results, memory=memory)


def decode_only(path: Path) -> int:
    """Demux and decode every video frame as capture does; the number of frames."""
    container = av.open(str(path))
    try:
        video = container.streams.video[0]
        frames = 0
        for packet in container.demux([video]):
            frames += len(video.codec_context.decode(packet))
    finally:
        container.close()
    return frames


def run_pipeline(path: Path, workdir: Path) -> int:
    """The camera pipeline over ``path`` as fast as it decodes; the number of events."""
    source = FileSource(path=path, loop=False, realtime=False)
    camera = CameraConfig(id=uuid.uuid4(), name="bench", source=source)
    events = 0

    def count(event: RecordedEvent) -> None:
        nonlocal events
        events += 1

    pipeline = CameraPipeline(
        camera,
        detector=make_detector(camera.detect),
        faces=make_face_detector(camera.detect.faces),
        twins=False,  # measured per clip second by bench detect (see the module)
        on_event=count,
        workdir=workdir,
    )
    stop = threading.Event()
    for item in capture(camera, stop=stop, health=CameraHealth(), data_dir=workdir, max_attempts=1):
        pipeline.process(item)
    pipeline.finish()
    return events


def motion_walkers(seconds: float) -> list[synthetic.Walker]:
    """Walkers crossing one after another, overlapping, from the first frame to the last.

    The first steps in at the first frame: one already in view would be learnt into
    motion's background and leave a ghost region where it stood for seconds.
    """
    return [
        synthetic.Walker(
            enter_s=number * WALKER_EVERY_S,
            exit_s=number * WALKER_EVERY_S + CROSSING_S,
            feet_y=(0.9, 0.96, 0.93)[number % 3],
            height=(0.6, 0.5, 0.55)[number % 3],
            left_to_right=number % 2 == 0,
        )
        for number in range(math.ceil(seconds / WALKER_EVERY_S))
    ]


def _input(
    directory: Path, size: tuple[int, int], scene: Scene, seconds: float, report: Report
) -> Path:
    """The generated input, encoded on first use; its name holds every parameter."""
    width, height = size
    path = directory / f"{scene}-{width}x{height}-{FPS}fps-{seconds:g}s.mp4"
    if not path.exists():
        walkers = motion_walkers(seconds) if scene == "motion" else []
        frames = synthetic.scene(
            width=width, height=height, fps=FPS, duration_s=seconds, walkers=walkers
        )
        total = int(round(seconds * FPS))

        def counted() -> Iterator[synthetic.Image]:
            for number, frame in enumerate(frames, start=1):
                if number == 1 or number % FPS == 0:
                    report(
                        f"encoding the {scene} scene at {width}×{height}: frame {number}/{total}"
                    )
                yield frame

        synthetic.write_h264(path, counted(), fps=FPS)
    return path


def _timed(step: Callable[[], int]) -> tuple[float, float, int]:
    """(CPU seconds of the whole process, wall seconds, what the step returned)."""
    cpu, wall = time.process_time(), time.perf_counter()
    value = step()
    return time.process_time() - cpu, time.perf_counter() - wall, value
