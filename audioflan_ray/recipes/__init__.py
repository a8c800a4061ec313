"""Corpus recipes. Every module here registers itself with ``@register``; importing the package loads them all."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")
