"""Find every public sknlp estimator, so that common tests cover new ones automatically."""

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

_SKIP_MODULES = ("tests", "__main__")


def all_estimators():
    """Public estimator classes of sknlp, as ``(name, class)`` pairs sorted by name.

    Modules whose optional dependencies are missing are skipped.

    Returns
    -------
    estimators : list of (str, type)
    """
    import sknlp

    found = {}
    for info in pkgutil.walk_packages(sknlp.__path__, prefix="sknlp."):
        if any(part.startswith("_") and part != "__init__" for part in info.name.split(".")[1:-1]):
            continue
        if info.name.rsplit(".", 1)[-1] in _SKIP_MODULES:
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, BaseEstimator) and not name.startswith("_")
                    and cls.__module__.startswith("sknlp.")):
                found[name] = cls
    return sorted(found.items())
