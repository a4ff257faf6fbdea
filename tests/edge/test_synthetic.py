"""Generated scenes stay lean: frames are encoded as they come, and the photograph the
people are cut from is read without loading scikit-image (and SciPy with it)."""

from __future__ import annotations

import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
from skimage import data

from doorstep.edge import synthetic


def test_write_h264_encodes_each_frame_before_taking_the_next(tmp_path: Path) -> None:
    made: list[weakref.ref[np.ndarray]] = []
    alive_when_made: list[int] = []

    def frames() -> Iterator[synthetic.Image]:
        for index in range(30):
            alive_when_made.append(sum(ref() is not None for ref in made))
            frame = np.full((120, 160, 3), index * 8, dtype=np.uint8)
            made.append(weakref.ref(frame))
            yield frame

    synthetic.write_h264(tmp_path / "scene.mp4", frames(), fps=15)

    assert max(alive_when_made) <= 2  # the one being encoded, at most one more
    with av.open(str(tmp_path / "scene.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 30


def test_person_is_cut_from_scikit_images_astronaut_without_importing_it() -> None:
    code = (
        "import sys; from doorstep.edge import synthetic; synthetic.person_sprite(120);"
        " print(sorted(m for m in sys.modules if m.split('.')[0] in ('skimage', 'scipy')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert loaded.strip() == "[]"
    face, suit = synthetic._photographs()
    astronaut = cv2.cvtColor(np.asarray(data.astronaut(), dtype=np.uint8), cv2.COLOR_RGB2BGR)  # type: ignore[no-untyped-call]
    assert np.array_equal(face, astronaut[20:180, 150:300])
    assert np.array_equal(suit, astronaut[300:500, 30:140])


# Generating a scene in a thread of its own, as a camera's thread does, then reading how
# much larger the process stayed once it returned. Run in a process of its own: a test
# worker's other threads move its RSS by tens of MB.
_GENERATION_LEFT_OVER = """
import sys, threading
from pathlib import Path
from doorstep.edge import synthetic

def rss_mb():
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

frames = synthetic.scene(
    width=1280, height=720, fps=15, duration_s=4, walkers=synthetic.random_walkers(2, 4, 0)
)
before = rss_mb()
writer = threading.Thread(target=lambda: synthetic.write_h264(Path(sys.argv[1]), frames, fps=15))
writer.start()
writer.join()
print(rss_mb() - before)
"""


def test_a_generated_scene_hands_its_memory_back(tmp_path: Path) -> None:
    """glibc kept what libx264 and the frames freed in the generating thread's arena,
    where no other thread reuses it: 4 s of 720p left the process 70 MB larger; handed
    back, about 30 (libx264's code and tables, the sprite photo)."""
    run = subprocess.run(
        [sys.executable, "-c", _GENERATION_LEFT_OVER, str(tmp_path / "scene.mp4")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) < 50
