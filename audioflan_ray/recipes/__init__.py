"""Corpus recipes. Every module here registers itself with ``@register``; importing the package loads them all.
Modules whose name starts with ``_`` are shared helpers of several recipes, not recipes."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base" and not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
