"""Writing files so that a failed or interrupted write never destroys the one it replaces."""

import os
import tempfile


def atomic_write(path, write):
    """Write through ``write(tmp_path)`` to a temporary file beside ``path``, then rename it
    into place; on any failure (or interruption) the temporary file is removed and ``path``
    is left as it was. The new file gets the permissions a plain ``open`` would give it."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=folder)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide a shared model file
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def check_writable(path):
    """Fail early, with a clear message, when ``path`` cannot be written (missing folder,
    no permission, a folder in its place): before hours of training, not after."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a folder; give a file name to save the model to")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"cannot save to {path}: the folder {folder} is not writable")
