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
