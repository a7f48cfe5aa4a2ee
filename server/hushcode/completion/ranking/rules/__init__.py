"""The ranking's rules, one per module, found here in the order of their `order`.

Adding a rule is a module in this package (a subclass of `base.Rule`) and its test: nothing else
lists the rules.
"""

from __future__ import annotations

import importlib
import pkgutil

from hushcode.completion.ranking.rules.base import Rule


def _discover() -> tuple[type[Rule], ...]:
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    return tuple(sorted(Rule.__subclasses__(), key=lambda rule: (rule.order, rule.__name__)))


RULES: tuple[type[Rule], ...] = _discover()
