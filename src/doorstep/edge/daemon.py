"""`doorstep edge run`: every camera's pipeline, the outbox, uploads, MQTT and live view.

Threads, each with its own loop and the shared ``stop`` event: one per camera (capture
→ pipeline), the uploader, the health reporter, and the live-view server; and the twin
queue's (``[twins] threads``), which make the events' blurred twins. Events are sealed and
committed to the outbox where they are handed on (the twin thread once the twin is made,
else the camera's), before anything is sent. Triggers (MQTT, HTTP) are queued to the
camera's thread, which owns its pipeline.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import uvicorn

from doorstep.audit.keyproof import CheckpointMemory
from doorstep.crypto.keys import public_raw
from doorstep.edge.capture import capture
from doorstep.edge.config import CameraConfig, EdgeConfig
from doorstep.edge.detect.factory import make_detector, make_face_detector
from doorstep.edge.identity import load_device_key, read_token, write_secret
from doorstep.edge.keyring import HomeKeyring
from doorstep.edge.liveview import LiveFrames, live_app
from doorstep.edge.media import CameraHealth
from doorstep.edge.mqtt import MqttPublisher
from doorstep.edge.outbox import Outbox
from doorstep.edge.pipeline import CameraPipeline, RecordedEvent
from doorstep.edge.seal import seal_event
from doorstep.edge.trust import TRUST_FILE
from doorstep.edge.twin_queue import TwinQueue
from doorstep.edge.upload import HubClient, HubRefused, HubUnavailable, Uploader
from doorstep.errors import DoorstepError
from doorstep.settings import read_secret_file

logger = logging.getLogger("doorstep.edge")

HEALTH_INTERVAL_S = 10.0
HOME_KEY_INTERVAL_S = 60.0


@dataclass
class CameraWorker:
    camera: CameraConfig
    health: CameraHealth = field(default_factory=CameraHealth)
    triggers: queue.SimpleQueue[str] = field(default_factory=queue.SimpleQueue)
    events: int = 0


class EdgeDaemon:
    def __init__(self, config: EdgeConfig, *, base_dir: Path) -> None:
        for camera in config.cameras:  # a face model asked for but missing stops us here
            make_face_detector(camera.detect.faces)
        self.config = config
        self.data_dir = base_dir / config.data_dir
        self.token_file = base_dir / config.hub.token_file
        self.live_token_file = self.data_dir / config.live.token_file
        self.workers = {camera.id: CameraWorker(camera) for camera in config.cameras}
        # Clips wait here until they are uploaded: for the device's owner only.
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        self.outbox = Outbox(
            self.data_dir / "outbox", quota_bytes=config.outbox.quota_mb * 1024 * 1024
        )
        self.hub = HubClient(config.hub.url, read_token(self.token_file))
        self.device_key = load_device_key(self.data_dir / "device.key")
        self.mqtt = (
            MqttPublisher(config.mqtt, list(config.cameras), on_trigger=self.trigger)
            if config.mqtt.enabled
            else None
        )
        self.home_keys = HomeKeyring(
            self.data_dir / TRUST_FILE,
            CheckpointMemory(self.data_dir / "checkpoint.json"),
            device_public=public_raw(self.device_key.public_key()),
            on_alarm=self.mqtt.key_alarm if self.mqtt is not None else lambda alarm: None,
        )
        self.live = LiveFrames(list(self.workers), fps=config.live.fps, width=config.live.width)
        self.twins = TwinQueue(threads=config.twins.threads)  # every camera's blurred twins
        self._threads: list[threading.Thread] = []

    def trigger(self, camera_id: uuid.UUID, label: str) -> None:
        """Queue an external trigger for the camera's own thread."""
        self.workers[camera_id].triggers.put(label)

    def run(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set; then finish open events and shut everything down."""
        if self.mqtt is not None:
            self.mqtt.start()
        server = self._live_server() if self.config.live.enabled else None
        uploader = Uploader(self.outbox, self.hub)
        services = [
            self._spawn("uploader", lambda: uploader.run(stop), stop),
            self._spawn("health", lambda: self._report_health(stop), stop),
            self._spawn("home key", lambda: self._follow_home_key(stop), stop),
        ]
        # Nothing is recorded before there is a key to seal it to: no plaintext, ever.
        self._wait_for_home_key(stop)
        cameras = [
            self._spawn(f"camera {w.camera.name}", partial(self._run_camera, w, stop), stop)
            for w in self.workers.values()
        ]
        logger.info("edge running with %d camera(s)", len(self.workers))
        stop.wait()
        if server is not None:
            server.should_exit = True
        # Cameras first: their open events are recorded into the outbox as they stop.
        for thread in cameras + services:
            thread.join()
        if self.mqtt is not None:
            self.mqtt.stop()
        self.hub.close()
        self.outbox.close()

    def _spawn(
        self, name: str, target: Callable[[], None], stop: threading.Event
    ) -> threading.Thread:
        """Run ``target`` in a thread; if it fails unexpectedly, log it and start it again."""

        def supervised() -> None:
            delay = 1.0
            while not stop.is_set():
                try:
                    target()
                    return
                except Exception:
                    logger.exception("%s failed; starting it again in %.0f s", name, delay)
                    stop.wait(delay)
                    delay = min(delay * 2, 60.0)

        thread = threading.Thread(target=supervised, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def _run_camera(self, worker: CameraWorker, stop: threading.Event) -> None:
        camera = worker.camera
        pipeline = CameraPipeline(
            camera,
            detector=make_detector(camera.detect),
            faces=make_face_detector(camera.detect.faces),
            on_event=lambda event: self._keep(worker, event),
            live=self.live if self.config.live.enabled else None,
            on_presence=self._presence_reporter(camera),
            workdir=self.data_dir / "work",
            twin_queue=self.twins,
        )
        (self.data_dir / "work").mkdir(parents=True, exist_ok=True)
        try:
            for item in capture(camera, stop=stop, health=worker.health, data_dir=self.data_dir):
                pipeline.process(item)
                while not worker.triggers.empty():
                    pipeline.trigger(worker.triggers.get())
        except DoorstepError as exc:
            worker.health.last_error = exc.detail
            logger.error("camera %s stopped: %s", camera.name, exc.detail)
        finally:
            pipeline.finish()

    def _presence_reporter(self, camera: CameraConfig) -> Callable[[bool], None] | None:
        mqtt = self.mqtt
        if mqtt is None:
            return None
        return lambda present: mqtt.person(camera, present)

    def _keep(self, worker: CameraWorker, event: RecordedEvent) -> None:
        """Seal the event's parts and commit them to the outbox before anything else."""
        home_key = self.home_keys.current()
        assert home_key is not None, "cameras start only once a home key list is verified"
        parts = {"clip": event.clip, "snapshot": event.snapshot, "details": event.details_json()}
        if event.twin_clip:  # the blurred twin, under a key of its own
            parts |= {"twin_clip": event.twin_clip, "twin_snapshot": event.twin_snapshot}
        sealed = seal_event(
            parts,
            clip_id=event.id,
            camera_id=event.camera_id,
            started_at=event.started_at,
            ended_at=event.ended_at,
            device_key=self.device_key,
            home_key=home_key,
        )
        try:
            self.outbox.add(
                item_id=event.id,
                camera_id=event.camera_id,
                started_at=event.started_at,
                ended_at=event.ended_at,
                parts=sealed.parts,
                keys=sealed.keys,
            )
        except OSError as exc:
            # A full or failing disk loses this event; recording goes on for the next.
            logger.error("camera %s: event not stored in the outbox: %s", worker.camera.name, exc)
            return
        worker.events += 1
        logger.info("camera %s: %s event recorded", worker.camera.name, event.label)
        if self.mqtt is not None:
            summary = {k: v for k, v in event.details().items() if k != "camera_id"}
            self.mqtt.event(worker.camera, summary, event.snapshot or None)

    def _refresh_home_key(self) -> None:
        try:
            self.home_keys.refresh(self.hub)
        except (HubUnavailable, HubRefused) as exc:
            logger.debug("home key list not refreshed: %s", exc)

    def _follow_home_key(self, stop: threading.Event) -> None:
        """Pick up a home key the owner rotated (a member left) within a minute."""
        while not stop.wait(HOME_KEY_INTERVAL_S):
            self._refresh_home_key()

    def _wait_for_home_key(self, stop: threading.Event) -> None:
        waited = 0.0
        while not stop.is_set():
            self._refresh_home_key()
            if self.home_keys.current() is not None:
                return
            if waited % 30 == 0:
                logger.warning(
                    "waiting for a home key list the owner signed with this device in it: "
                    "the owner's `doorstep keys pair` signs it in, `doorstep keys rotate "
                    "HOME_ID` makes the home key"
                )
            stop.wait(1.0)
            waited += 1.0

    def _report_health(self, stop: threading.Event) -> None:
        available: dict[uuid.UUID, bool] = {}
        while not stop.is_set():
            for camera_id, worker in self.workers.items():
                try:
                    self.hub.report_health(camera_id, worker.health, key_alarm=self.home_keys.alarm)
                except (HubUnavailable, HubRefused) as exc:
                    logger.debug("health report for %s not sent: %s", worker.camera.name, exc)
                if self.mqtt is not None and available.get(camera_id) != worker.health.connected:
                    available[camera_id] = worker.health.connected
                    self.mqtt.camera_available(worker.camera, worker.health.connected)
            stop.wait(HEALTH_INTERVAL_S)

    def _live_server(self) -> uvicorn.Server:
        if not self.live_token_file.exists():
            write_secret(self.live_token_file, secrets.token_urlsafe(24).encode())
        app = live_app(
            self.live,
            token=read_secret_file(self.live_token_file),
            names={camera_id: w.camera.name for camera_id, w in self.workers.items()},
            on_trigger=self.trigger,
        )
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=self.config.live.host,
                port=self.config.live.port,
                log_level="warning",
                access_log=False,
            )
        )
        # Off the main thread uvicorn leaves SIGINT and SIGTERM to the daemon.
        thread = threading.Thread(target=server.run, name="live view", daemon=True)
        thread.start()
        self._threads.append(thread)
        return server
