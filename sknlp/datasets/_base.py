"""Where datasets live on disk."""

import os
from pathlib import Path

ENV_VAR = "SKNLP_DATA"


def get_data_home(data_home=None):
    """Return the folder where sknlp looks for (and stores) datasets.

    Resolution order: the ``data_home`` argument, the ``SKNLP_DATA`` environment
    variable, then ``~/sknlp_data``. The folder is not created here.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder.

    Returns
    -------
    path : pathlib.Path
    """
    if data_home is None:
        data_home = os.environ.get(ENV_VAR) or Path("~") / "sknlp_data"
    return Path(data_home).expanduser()


def get_cache_home():
    """Folder for parsed-dataset caches when the data home is read-only."""
    base = os.environ.get("XDG_CACHE_HOME") or Path("~") / ".cache"
    return Path(base).expanduser() / "sknlp"


def _writable_dir(path):
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)
