"""Home Assistant sees Doorstep's cameras through the real Mosquitto broker."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from doorstep.edge.config import CameraConfig, MqttConfig, SyntheticSource
from doorstep.edge.mqtt import MqttPublisher


class Listener:
    """Subscribes to everything under two prefixes and keeps the last message per topic."""

    def __init__(self, *prefixes: str) -> None:
        self.messages: dict[str, bytes] = {}
        self._changed = threading.Condition()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", 1883)
        for prefix in prefixes:
            self.client.subscribe(f"{prefix}/#", qos=1)
        self.client.loop_start()

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages[message.topic] = message.payload
            self._changed.notify_all()

    def wait_for(self, topic: str, payload: bytes | None = None, timeout: float = 5) -> bytes:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (topic in self.messages and payload in (None, self.messages[topic])):
                left = deadline - time.monotonic()
                assert left > 0, f"no {payload!r} on {topic}; saw {sorted(self.messages)}"
                self._changed.wait(left)
            return self.messages[topic]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def prefixes() -> Iterator[tuple[str, str]]:
    run = uuid.uuid4().hex[:8]
    yield f"doorstep-test-{run}", f"ha-test-{run}"
    cleaner = mqtt.Client(CallbackAPIVersion.VERSION2)
    cleaner.connect("127.0.0.1", 1883)
    cleaner.loop_start()
    # Retained messages outlive the test: clear the ones it left.
    for topic in LEFT_BEHIND:
        cleaner.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    LEFT_BEHIND.clear()
    cleaner.loop_stop()
    cleaner.disconnect()


LEFT_BEHIND: set[str] = set()


def camera() -> CameraConfig:
    return CameraConfig(id=uuid.uuid4(), name="Front door", source=SyntheticSource())


def test_discovery_availability_events_and_snapshots(prefixes: tuple[str, str]) -> None:
    prefix, discovery = prefixes
    front = camera()
    listener = Listener(prefix, discovery)
    publisher = MqttPublisher(
        MqttConfig(enabled=True, topic_prefix=prefix, discovery_prefix=discovery), [front]
    )
    try:
        publisher.start()
        listener.wait_for(f"{prefix}/availability", b"online")
        sensor = json.loads(
            listener.wait_for(f"{discovery}/binary_sensor/doorstep_{front.id}_person/config")
        )
        assert sensor["state_topic"] == f"{prefix}/{front.id}/person"
        assert sensor["device"]["name"] == "Front door"
        image = json.loads(
            listener.wait_for(f"{discovery}/image/doorstep_{front.id}_snapshot/config")
        )
        assert image["content_type"] == "image/jpeg"
        publisher.camera_available(front, True)
        publisher.person(front, True)
        listener.wait_for(f"{prefix}/{front.id}/person", b"ON")
        publisher.event(front, {"label": "person", "score": 0.9}, b"\xff\xd8jpeg")
        event = json.loads(listener.wait_for(f"{prefix}/{front.id}/event"))
        assert event == {"label": "person", "score": 0.9}
        assert listener.wait_for(f"{prefix}/{front.id}/snapshot") == b"\xff\xd8jpeg"
        publisher.stop()
        listener.wait_for(f"{prefix}/{front.id}/availability", b"offline")
        listener.wait_for(f"{prefix}/availability", b"offline")
        # Home Assistant starting later still finds the camera: discovery is retained.
        late = Listener(discovery)
        late.wait_for(f"{discovery}/binary_sensor/doorstep_{front.id}_person/config")
        late.close()
    finally:
        LEFT_BEHIND.update(listener.messages)
        listener.close()


def test_a_crashed_edge_is_marked_offline_by_its_last_will(prefixes: tuple[str, str]) -> None:
    prefix, discovery = prefixes
    listener = Listener(prefix)
    publisher = MqttPublisher(
        MqttConfig(enabled=True, topic_prefix=prefix, discovery_prefix=discovery), [camera()]
    )
    try:
        publisher.start()
        listener.wait_for(f"{prefix}/availability", b"online")
        publisher.client.loop_stop()
        sock = publisher.client.socket()
        assert sock is not None
        sock.close()  # gone without a DISCONNECT, as after a crash or power cut
        listener.wait_for(f"{prefix}/availability", b"offline", timeout=10)
    finally:
        LEFT_BEHIND.update(listener.messages)
        listener.close()


def test_a_trigger_topic_reaches_the_camera(prefixes: tuple[str, str]) -> None:
    prefix, discovery = prefixes
    front = camera()
    pressed: list[tuple[uuid.UUID, str]] = []
    arrived = threading.Event()

    def on_trigger(camera_id: uuid.UUID, label: str) -> None:
        pressed.append((camera_id, label))
        arrived.set()

    publisher = MqttPublisher(
        MqttConfig(enabled=True, topic_prefix=prefix, discovery_prefix=discovery),
        [front],
        on_trigger=on_trigger,
    )
    listener = Listener(prefix)
    try:
        publisher.start()
        listener.wait_for(f"{prefix}/availability", b"online")
        sender = mqtt.Client(CallbackAPIVersion.VERSION2)
        sender.connect("127.0.0.1", 1883)
        sender.loop_start()
        sender.publish(f"{prefix}/{front.id}/trigger", b"not a label!", qos=1).wait_for_publish(5)
        sender.publish(f"{prefix}/{front.id}/trigger", b"doorbell", qos=1).wait_for_publish(5)
        assert arrived.wait(5)
        assert pressed == [(front.id, "doorbell")]
        sender.loop_stop()
        sender.disconnect()
        publisher.stop()
    finally:
        LEFT_BEHIND.update(listener.messages)
        listener.close()


def test_a_key_alarm_is_retained_until_it_ends_and_shows_as_a_problem(
    prefixes: tuple[str, str],
) -> None:
    prefix, discovery = prefixes
    front = camera()
    listener = Listener(prefix, discovery)
    publisher = MqttPublisher(
        MqttConfig(enabled=True, topic_prefix=prefix, discovery_prefix=discovery), [front]
    )
    try:
        publisher.key_alarm("the hub served home key list version 2, refused")
        publisher.start()  # raised before the broker answered: sent once connected
        sensor = json.loads(
            listener.wait_for(f"{discovery}/binary_sensor/doorstep_{front.id}_key_alarm/config")
        )
        assert sensor["device_class"] == "problem"
        assert sensor["state_topic"] == f"{prefix}/alarm"
        raised = json.loads(listener.wait_for(f"{prefix}/alarm"))
        assert raised["alarm"] == "the hub served home key list version 2, refused"
        # Home Assistant starting later still sees it: the alarm is retained.
        late = Listener(prefix)
        assert json.loads(late.wait_for(f"{prefix}/alarm"))["alarm"] == raised["alarm"]
        late.close()
        publisher.key_alarm(None)
        deadline = time.monotonic() + 5
        while json.loads(listener.messages[f"{prefix}/alarm"])["alarm"] is not None:
            assert time.monotonic() < deadline, "the alarm did not end"
            time.sleep(0.05)
    finally:
        publisher.stop()
        LEFT_BEHIND.update(listener.messages)
        listener.close()
