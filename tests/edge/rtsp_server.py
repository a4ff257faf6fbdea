"""A real RTSP camera for the capture tests: Debian's GStreamer RTSP server.

Run with the system Python, which has ``gi`` and ``GstRtspServer`` (the venv has not):

    /usr/bin/python3 tests/edge/rtsp_server.py --port 8554 --file video.mp4

It serves the pre-encoded H.264 in ``video.mp4`` at ``rtsp://127.0.0.1:PORT/cam`` (no
encoder is needed, and Debian's GStreamer has no x264), paced at its timestamps like a
live camera. The media is shared between clients, as a camera's is, and ends with the
file: give it a file longer than the test watches. Needs the Debian packages
python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-{base,good,bad}.
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--mount", default="/cam")
    arguments = parser.parse_args()

    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(arguments.port))
    factory = GstRtspServer.RTSPMediaFactory()
    location = str(arguments.file.resolve()).replace('"', '\\"')
    factory.set_launch(
        f'( filesrc location="{location}" ! qtdemux ! h264parse '
        "! rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    factory.set_shared(True)

    server.get_mount_points().add_factory(arguments.mount, factory)
    server.attach(None)

    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
