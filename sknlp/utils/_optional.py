"""Lazy imports of optional dependencies with an error that names the extra."""

import importlib


def import_optional(module, *, extra, purpose=None):
    """Import ``module`` or raise an ImportError that says how to install it.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"snownlp"``.
    extra : str
        The sknlp extra that installs it, e.g. ``"zh"``.
    purpose : str, default=None
        What the module is needed for, shown in the message.

    Returns
    -------
    module : module
        The imported module.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = f" for {purpose}" if purpose else ""
        raise ImportError(
            f"sknlp needs the optional package {module!r}{what}; "
            f'install it with: pip install "sknlp[{extra}]"'
        ) from exc
