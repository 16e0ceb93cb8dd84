"""Declared dependencies that must import, checked at start-up: a broken install is a loud error.

Why: on a fresh machine pip 23.2 silently skipped ``lxml_html_clean`` (an extra spelled
``html_clean`` by jusText and ``html-clean`` by lxml), ``import trafilatura`` failed and full-text
extraction quietly fell back to a weaker extractor. A dependency we declare is never optional:
when it does not import, the process that needs it stops before doing anything, with a message
naming the package and the command that fixes it.

``python -m dementi.deps ROLE...`` runs the check in a throw-away process (``dementi run`` uses it
while the broker starts, so the supervisor does not keep spaCy and friends in its own memory);
exit status 3 and the message on stderr when something is missing.
"""

from __future__ import annotations

import importlib
import re
import sys
from importlib import metadata

# What each process imports at start, by role (import names, not distribution names).
ROLES: dict[str, tuple[str, ...]] = {
    "worker": ("spacy", "fr_core_news_sm", "spacy_lookups_data", "re2", "ahocorasick", "faust", "aiokafka",
               "kafka", "pycountry", "py3langid"),
    "bot": ("telegram", "aiokafka", "kafka", "prometheus_client"),
    "feeds": ("httpx", "feedparser", "trafilatura", "lxml", "aiohttp", "py3langid", "kafka"),
}
MISSING_EXIT_CODE = 3


class MissingDependency(RuntimeError):
    """A declared dependency does not import; the message says which and how to fix it."""


def _declared() -> list[str]:
    """dementi's own requirement strings (``lxml_html_clean==0.4.6``...), extras excluded."""
    try:
        return [r for r in metadata.requires("dementi") or [] if "extra ==" not in r]
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return []


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def fix_for(module: str, error: BaseException) -> str:
    """The install command that repairs ``module``'s import ``error``: the pinned requirement of the
    declared packages the error names (else of the module itself), else a full reinstall."""
    def pins(text: str) -> list[str]:
        words = {w.strip("-") for w in re.split(r"[^a-z0-9-]+", _canonical(text))}
        named = {_canonical(_name(r)): r.split(";")[0].strip() for r in _declared()
                 if _canonical(_name(r)) in words}
        # "lxml" is named too in "lxml.html.clean ... install lxml_html_clean": the specific one is meant
        return [pin for name, pin in named.items() if not any(o.startswith(name + "-") for o in named)]

    found = pins(f"{error} {getattr(error, 'name', '') or ''}") or pins(module)
    if found:
        return f"{sys.executable} -m pip install " + " ".join(f"'{p}'" for p in found)
    return f"{sys.executable} -m pip install -e '.[test]' (from the dementi checkout)"


def require(*modules: str) -> None:
    """Import each module; raise ``MissingDependency`` naming the first that fails, and the fix."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise MissingDependency(
                f"dementi cannot import '{module}', a declared dependency ({detail}). "
                f"Fix: {fix_for(module, exc)}") from exc


def require_roles(*roles: str) -> None:
    require(*dict.fromkeys(m for role in roles for m in ROLES[role]))


def main(argv: list[str]) -> int:
    unknown = [r for r in argv if r not in ROLES]
    if unknown:
        print(f"unknown role(s) {unknown}; known: {', '.join(ROLES)}", file=sys.stderr)
        return 2
    try:
        require_roles(*(argv or ROLES))
    except MissingDependency as exc:
        print(exc, file=sys.stderr)
        return MISSING_EXIT_CODE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
