"""The actor codes a subscription may name (``/subscribe actor:RUS``, ``actor:UN``): pure data.

An alert's ``denier.code`` is the ISO 3166 alpha-3 code of a state (and of its organs: ministries,
leaders, capitals) or the ``org`` code of an intergovernmental body (UN, NATO, EU, AU,
ARAB_LEAGUE, ...), as resolved by the gazetteer. This reads the same sources, the gazetteer YAML
files and pycountry's sovereign states, WITHOUT building the gazetteer's matcher, so the bot can
check a /subscribe argument in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import pycountry
import yaml

from dementi.rules.gazetteer_forms import NON_STATES
from dementi.yamlsafe import safe_load


def actor_codes(gazetteers_dir: Path | str | None) -> dict[str, str]:
    """Every code an actor can carry -> its display name (organisations, then states)."""
    codes: dict[str, str] = {}
    directory = Path(gazetteers_dir) if gazetteers_dir else None
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]) if directory and directory.is_dir() else []
    for path in files:
        try:
            data = safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue  # the worker reports a broken gazetteer; here it only means fewer known codes
        for raw in (data.get("entries") or []) if isinstance(data, dict) else []:
            if not isinstance(raw, dict):
                continue
            if raw.get("org"):
                codes.setdefault(str(raw["org"]).upper(), str(raw.get("name", raw["org"])))
            elif raw.get("country") and raw.get("kind") == "state":
                codes.setdefault(str(raw["country"]).upper(), str(raw.get("name", raw["country"])))
    for country in pycountry.countries:
        if country.alpha_3 not in NON_STATES:
            codes.setdefault(country.alpha_3, getattr(country, "common_name", None) or country.name)
    return codes
