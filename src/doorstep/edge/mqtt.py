"""Events, snapshots and camera availability on MQTT, with Home Assistant discovery.

Everything here stays on the home's network: point it at a broker inside the home.
Topics (``prefix`` is ``doorstep`` by default, ``<camera>`` the camera id):

- ``<prefix>/availability`` — ``online``/``offline`` for the edge (last will: offline)
- ``<prefix>/<camera>/availability`` — ``online``/``offline`` per camera (retained)
- ``<prefix>/<camera>/person`` — ``ON`` while a person event is open, then ``OFF`` (retained)
- ``<prefix>/<camera>/event`` — one JSON message per finished event
- ``<prefix>/<camera>/snapshot`` — the event's JPEG snapshot (retained)
- ``<prefix>/<camera>/trigger`` — publish a label (``doorbell``) here to record an event
- ``<prefix>/alarm`` — the key alarm, ``{"alarm": text or null, "at": time}`` (retained)
- ``<discovery>/binary_sensor|image/doorstep_<camera>_.../config`` — discovery (retained)
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from doorstep import __version__
from doorstep.edge.config import CameraConfig, MqttConfig
from doorstep.settings import read_secret_file

logger = logging.getLogger("doorstep.edge.mqtt")


class MqttPublisher:
    def __init__(
        self,
        config: MqttConfig,
        cameras: list[CameraConfig],
        *,
        on_trigger: Callable[[uuid.UUID, str], None] | None = None,
    ) -> None:
        self.config = config
        self.cameras = cameras
        self.on_trigger = on_trigger
        self.prefix = config.topic_prefix.rstrip("/")
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"doorstep-edge-{id(self):x}"
        )
        if config.username is not None:
            password = read_secret_file(config.password_file) if config.password_file else None
            self.client.username_pw_set(config.username, password)
        self._alarm: str | None = None
        self.client.will_set(f"{self.prefix}/availability", "offline", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    def start(self) -> None:
        """Connect in the background: a broker that is down must not stop the recording.

        The client keeps trying, and announces the cameras each time it (re)connects.
        """
        self.client.connect_async(self.config.host, self.config.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        try:
            for camera in self.cameras:
                self.camera_available(camera, False)
            offline = self._publish(f"{self.prefix}/availability", "offline", retain=True)
            offline.wait_for_publish(5)
        except (RuntimeError, ValueError) as exc:  # not connected: the last will says it
            logger.info("MQTT broker not reachable at shutdown: %s", exc)
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            logger.warning("MQTT broker refused the connection: %s", reason)
            return
        self._publish(f"{self.prefix}/availability", "online", retain=True)
        self.key_alarm(self._alarm)
        for camera in self.cameras:
            self._announce(camera)
            if self.on_trigger is not None:
                client.subscribe(self._topic(camera, "trigger"), qos=1)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        """``<prefix>/<camera>/trigger`` with a label (``doorbell``) records an event now."""
        if message.retain:
            return  # a trigger left on the broker is old news, not a doorbell now
        camera_id = message.topic.removeprefix(f"{self.prefix}/").split("/", 1)[0]
        label = message.payload.decode("utf-8", "replace").strip() or "trigger"
        if self.on_trigger is None or not label.isidentifier() or len(label) > 32:
            logger.warning(
                "ignored a trigger on %s: label must be a short identifier", message.topic
            )
            return
        try:
            self.on_trigger(uuid.UUID(camera_id), label)
        except (ValueError, KeyError):
            logger.warning("ignored a trigger for an unknown camera: %s", message.topic)

    def camera_available(self, camera: CameraConfig, available: bool) -> None:
        self._publish(
            self._topic(camera, "availability"), "online" if available else "offline", retain=True
        )

    def person(self, camera: CameraConfig, present: bool) -> None:
        self._publish(self._topic(camera, "person"), "ON" if present else "OFF", retain=True)

    def event(self, camera: CameraConfig, event: dict[str, Any], snapshot: bytes | None) -> None:
        self._publish(self._topic(camera, "event"), json.dumps(event, sort_keys=True))
        if snapshot is not None:
            self._publish(self._topic(camera, "snapshot"), snapshot, retain=True)

    def key_alarm(self, alarm: str | None) -> None:
        """Raise the key alarm (a text) or end it (None); it stays on the broker."""
        self._alarm = alarm
        at = datetime.now(UTC).isoformat()
        self._publish(f"{self.prefix}/alarm", json.dumps({"alarm": alarm, "at": at}), retain=True)

    def _announce(self, camera: CameraConfig) -> None:
        device = {
            "identifiers": [f"doorstep_{camera.id}"],
            "name": camera.name,
            "manufacturer": "Doorstep",
            "sw_version": __version__,
        }
        availability = [
            {"topic": f"{self.prefix}/availability"},
            {"topic": self._topic(camera, "availability")},
        ]
        base = f"doorstep_{camera.id}"
        discovery = self.config.discovery_prefix.rstrip("/")
        configs = {
            f"{discovery}/binary_sensor/{base}_person/config": {
                "name": "Person",
                "unique_id": f"{base}_person",
                "state_topic": self._topic(camera, "person"),
                "device_class": "occupancy",
                "availability": availability,
                "availability_mode": "all",
                "device": device,
            },
            f"{discovery}/image/{base}_snapshot/config": {
                "name": "Last event",
                "unique_id": f"{base}_snapshot",
                "image_topic": self._topic(camera, "snapshot"),
                "content_type": "image/jpeg",
                "availability": availability,
                "availability_mode": "all",
                "device": device,
            },
            f"{discovery}/binary_sensor/{base}_key_alarm/config": {
                "name": "Key alarm",
                "unique_id": f"{base}_key_alarm",
                "state_topic": f"{self.prefix}/alarm",
                "value_template": "{{ 'ON' if value_json.alarm else 'OFF' }}",
                "json_attributes_topic": f"{self.prefix}/alarm",
                "device_class": "problem",
                "entity_category": "diagnostic",
                "availability": [{"topic": f"{self.prefix}/availability"}],
                "device": device,
            },
        }
        for topic, payload in configs.items():
            self._publish(topic, json.dumps(payload, sort_keys=True), retain=True)

    def _topic(self, camera: CameraConfig, leaf: str) -> str:
        return f"{self.prefix}/{camera.id}/{leaf}"

    def _publish(
        self, topic: str, payload: str | bytes, *, retain: bool = False
    ) -> mqtt.MQTTMessageInfo:
        return self.client.publish(topic, payload, qos=1, retain=retain)
