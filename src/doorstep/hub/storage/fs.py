"""Blobs as files under one root directory.

A put streams into a temporary file beside its target and renames it into place, so
readers see the old object or the whole new one, never a part, and a failed put leaves
nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from doorstep.durable import fsync_directory
from doorstep.errors import BlobNotFound, BlobTooLarge, InvalidInput, StorageError
from doorstep.hub.storage.base import StoredBlob, validate_key

CHUNK_SIZE = 64 * 1024
_MISSING = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


class FilesystemBlobStore:
    """A :class:`~doorstep.hub.storage.base.BlobStore` keeping each key as a file under ``root``.

    The root is created (with its parents) on construction.
    """

    def __init__(self, root: Path) -> None:
        with _os_errors(f"can't create the blob directory {root}"):
            Path(root).mkdir(parents=True, exist_ok=True)
            self.root = Path(root).resolve(strict=True)

    def put(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> StoredBlob:
        target = self._path(key)
        with _os_errors(f"can't create the directory for blob {key!r}"):
            target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.tmp-{uuid.uuid4().hex}")
        try:
            size, sha256 = _write_file(temporary, chunks, key=key, max_bytes=max_bytes)
            with _os_errors(f"can't write blob {key!r}"):
                os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        with _os_errors(f"can't flush the directory of blob {key!r}"):
            fsync_directory(target.parent)
        return StoredBlob(key=key, size=size, sha256=sha256)

    def get(self, key: str) -> Iterator[bytes]:
        chunks = _read_file(self._path(key), key=key)
        # Run up to the first yield so a missing key fails here, before a response starts;
        # the file stays open inside the generator, and closing the generator closes it.
        next(chunks)
        return chunks

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except _MISSING:
            return  # a directory of other blobs, or a path through a file: no blob here
        except OSError as exc:
            raise StorageError(f"can't delete blob {key!r}: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def check(self) -> None:
        if not self.root.is_dir():
            raise StorageError(f"the blob directory {self.root} does not exist")
        with _os_errors(f"the blob directory {self.root} is not writable"):
            tempfile.TemporaryFile(dir=self.root).close()

    def _path(self, key: str) -> Path:
        """The file for ``key``, refused if symbolic links would carry it outside the root."""
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidInput(f"blob key {key!r} leads outside the blob directory", field="key")
        return path


def _write_file(
    path: Path, chunks: Iterable[bytes], *, key: str, max_bytes: int
) -> tuple[int, str]:
    """Stream ``chunks`` into a new file at ``path`` and flush it to disk; return size and hash.

    Only this function's own I/O errors become StorageError: whatever the producer of
    ``chunks`` raises (a dropped upload, say) passes through as it is.
    """
    digest = hashlib.sha256()
    size = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    failure = f"can't write blob {key!r}"
    with _os_errors(failure):
        handle = os.fdopen(os.open(path, flags, 0o600), "wb")
    with handle:
        for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise BlobTooLarge(
                    f"blob {key!r} is larger than the limit of {max_bytes} bytes", field="size"
                )
            digest.update(chunk)
            with _os_errors(failure):
                handle.write(chunk)
        with _os_errors(failure):
            handle.flush()
            os.fsync(handle.fileno())
    return size, digest.hexdigest()


def _read_file(path: Path, *, key: str) -> Iterator[bytes]:
    try:
        handle = path.open("rb")
    except _MISSING as exc:
        raise BlobNotFound(f"no blob with key {key!r}") from exc
    except OSError as exc:
        raise StorageError(f"can't open blob {key!r}: {exc}") from exc
    with handle:
        yield b""
        while True:
            with _os_errors(f"can't read blob {key!r}"):
                chunk = handle.read(CHUNK_SIZE)
            if not chunk:
                return
            yield chunk


@contextmanager
def _os_errors(failure: str) -> Iterator[None]:
    """Translate the OSError of one file operation into StorageError, prefixed by ``failure``."""
    try:
        yield
    except OSError as exc:
        raise StorageError(f"{failure}: {exc}") from exc
