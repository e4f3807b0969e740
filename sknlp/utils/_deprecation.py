"""Renamed parameters and attributes: the old names keep working for one release.

scikit-learn's way: the old parameter stays in ``__init__`` with the default
``"deprecated"``; ``fit`` reads the value through :func:`renamed_param`, which warns
(``FutureWarning``) when the old name was set. Objects pickled or saved before a rename are
brought up to date when they are loaded (:meth:`RenamedMixin._upgrade_state`), and so are
objects saved before a parameter was added: it takes its default.
"""

import inspect
import warnings

from sklearn.utils._param_validation import Hidden, StrOptions

DEPRECATED = "deprecated"
#: constraint of an old parameter name: only its "deprecated" default, or a value
DEPRECATED_OPTION = Hidden(StrOptions({DEPRECATED}))
REMOVED_IN = "0.3"


def _unset(value):
    return isinstance(value, str) and value == DEPRECATED


def renamed_param(est, old, new, *, warn=True):
    """The value of parameter ``new``, or that of its old name ``old`` if the user set it
    (with a ``FutureWarning`` unless ``warn=False``)."""
    value = getattr(est, old, DEPRECATED)
    if _unset(value):
        return getattr(est, new)
    if warn:
        warnings.warn(f"{type(est).__name__}({old}=...) is deprecated and will be removed "
                      f"in {REMOVED_IN}; use {new}=... instead", FutureWarning, stacklevel=3)
    return value


class RenamedMixin:
    """Brings objects made before a rename up to date when they are unpickled or loaded.

    ``_renamed_params`` maps old parameter names to new ones, ``_renamed_attrs`` old fitted
    attribute names to new ones.
    """

    _renamed_params = {}
    _renamed_attrs = {}

    @classmethod
    def _upgrade_state(cls, state):
        state = dict(state)
        for old, new in cls._renamed_params.items():
            if new not in state and old in state:  # made before the rename
                state[new] = state[old]
                state[old] = DEPRECATED
        for old, new in cls._renamed_attrs.items():
            if old in state:
                state.setdefault(new, state.pop(old))
        for name, param in inspect.signature(cls.__init__).parameters.items():
            if param.default is not inspect.Parameter.empty:  # added since: its default
                state.setdefault(name, param.default)
        return state

    def _warn_renamed(self):
        """At ``fit``: one ``FutureWarning`` per old parameter name that is set."""
        for old, new in self._renamed_params.items():
            renamed_param(self, old, new)

    def __setstate__(self, state):
        super().__setstate__(self._upgrade_state(state))
