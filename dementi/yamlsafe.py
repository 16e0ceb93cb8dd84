"""YAML is only ever loaded safely, and with libyaml's C parser when it is installed.

Safe loaders build plain data (dicts, lists, strings, numbers), never Python objects. The C
loader reads the large gazetteer files several times faster than the pure-Python one; both give
the same data and the same located ``yaml.MarkedYAMLError``.
"""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """The one document in ``text`` as plain data (None for an empty document)."""
    loader = SafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
