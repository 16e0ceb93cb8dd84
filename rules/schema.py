"""Pydantic models of rule files (the rule language: docs/rules.md).

WHY strict: a typo in a rule (``lemm:`` instead of ``lemma:``) must be an error, never a condition
that silently disappears, so every model forbids unknown keys. Condition lists accept a single
string for convenience (``lemma: démentir``) and are normalised to lists before validation so that
error paths stay short (``match.all.0.lemma.1``) instead of pydantic's union-member noise.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, field_validator, model_validator

from dementi.durations import parse_duration

CONDITION_KEYS: tuple[str, ...] = (
    "phrase", "lemma", "regex", "tokens", "negated", "actor", "all", "any", "none", "near", "weighted",
)
LEAF_KEYS = frozenset({"phrase", "lemma", "regex", "tokens", "negated", "actor"})
_ID = r"^[a-z0-9][a-z0-9._-]*$"


def _as_list(value: Any) -> Any:
    """``"x"`` -> ``["x"]`` so a condition can name one item without brackets."""
    return [value] if isinstance(value, str) else value


def _no_blank(values: list[str]) -> list[str]:
    for v in values:
        if not v.strip():
            raise ValueError("empty string is not allowed here")
    return values


_ALPHA3 = re.compile(r"[A-Z]{3}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")


def _codes(values: list[str], pattern: re.Pattern, message: str) -> list[str]:
    """``values`` when each is a whole match of ``pattern``, else ValueError(message with the first
    that is not). The patterns are the module's own literals (user input never becomes a pattern)."""
    for v in values:
        if not pattern.fullmatch(v):
            raise ValueError(message.format(v))
    return values


StrList = Annotated[list[StrictStr], BeforeValidator(_as_list)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Negated(Strict):
    lemma: StrList = Field(min_length=1)
    window: int = Field(default=6, ge=1, le=50)

    _check = field_validator("lemma")(_no_blank)


class ActorCond(Strict):
    role: Literal["subject", "any"] = "subject"
    near: int = Field(default=8, ge=1, le=100)
    kinds: list[StrictStr] = Field(default_factory=list)
    countries: list[StrictStr] = Field(default_factory=list)

    @field_validator("countries")
    @classmethod
    def _iso3(cls, values: list[str]) -> list[str]:
        return _codes(values, _ALPHA3, "country {!r} must be an ISO 3166 alpha-3 code such as RUS")


class Condition(Strict):
    """Exactly one condition key; leaves may also say which field (title/body) they look at."""

    phrase: StrList | None = None
    lemma: StrList | None = None
    regex: StrList | None = None
    tokens: list[list[dict[str, Any]]] | None = None
    negated: Negated | None = None
    actor: ActorCond | None = None
    all: list["Condition"] | None = None
    any: list["Condition"] | None = None
    none: list["Condition"] | None = None
    near: "Near | None" = None
    weighted: "Weighted | None" = None
    field: Literal["title", "body"] | None = None

    @field_validator("phrase", "lemma", "regex")
    @classmethod
    def _non_empty(cls, values: list[str] | None) -> list[str] | None:
        if values is not None:
            if not values:
                raise ValueError("needs at least one entry")
            _no_blank(values)
        return values

    @field_validator("all", "any", "none", "tokens")
    @classmethod
    def _non_empty_list(cls, values: list | None) -> list | None:
        if values is not None and not values:
            raise ValueError("needs at least one entry")
        return values

    @model_validator(mode="after")
    def _exactly_one(self) -> "Condition":
        present = [k for k in CONDITION_KEYS if getattr(self, k) is not None]
        if len(present) != 1:
            found = ", ".join(present) or "none"
            raise ValueError(f"a condition needs exactly one of {', '.join(CONDITION_KEYS)} (found: {found})")
        if self.field is not None and present[0] not in LEAF_KEYS:
            raise ValueError(f"'field' applies to leaf conditions only, not to '{present[0]}'")
        return self

    @property
    def key(self) -> str:
        return next(k for k in CONDITION_KEYS if getattr(self, k) is not None)

    @property
    def value(self) -> Any:
        return getattr(self, self.key)

    def label(self) -> str:
        """Short human label used in evidence spans and explain output, e.g. ``lemma:démentir``."""
        key, value = self.key, self.value
        if key in ("phrase", "lemma", "regex"):
            shown = "|".join(value[:3]) + ("|…" if len(value) > 3 else "")
            return f"{key}:{shown}"
        if key == "negated":
            return "negated:" + "|".join(value.lemma[:3])
        if key == "actor":
            return f"actor:{value.role}"
        if key == "near":
            return f"near:{value.within}"
        if key == "weighted":
            return f"weighted:{value.threshold:g}"
        if key == "tokens":
            return f"tokens:{len(value)} pattern(s)"
        return key


class Near(Strict):
    within: int = Field(ge=0, le=200)
    of: list[Condition] = Field(min_length=2)


class WeightedCue(Condition):
    weight: float


class Weighted(Strict):
    threshold: float
    cues: list[WeightedCue] = Field(min_length=1)


Condition.model_rebuild()
WeightedCue.model_rebuild()


class Examples(Strict):
    match: list[StrictStr] = Field(default_factory=list)
    no_match: list[StrictStr] = Field(default_factory=list)


class Rule(Strict):
    id: StrictStr = Field(pattern=_ID, max_length=120)
    title: StrictStr = Field(min_length=1)
    description: StrictStr = ""
    status: Literal["experimental", "test", "stable"] = "experimental"
    severity: Literal["info", "low", "medium", "high", "critical"] = "medium"
    kind: StrictStr | None = None
    cameo: StrictStr | None = Field(default=None, pattern=r"^\d{2,4}$")
    languages: list[StrictStr] = Field(default_factory=list)
    tags: list[StrictStr] = Field(default_factory=list)
    author: StrictStr = ""
    references: list[StrictStr] = Field(default_factory=list)
    enabled: StrictBool = True
    scope: Literal["sentence", "paragraph", "document"] = "sentence"
    fields: list[Literal["title", "body"]] = Field(default_factory=lambda: ["title", "body"], min_length=1)
    realert: StrictStr | None = None
    match: Condition
    examples: Examples = Field(default_factory=Examples)

    @field_validator("cameo", mode="before")
    @classmethod
    def _cameo_quoted(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError('cameo must be a quoted string such as "016" (unquoted, YAML reads a number)')
        return value

    @field_validator("realert")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_duration(value, require_unit=True)
            except ValueError:
                raise ValueError("duration must look like 30s, 30m, 1h or 1d") from None
        return value

    @field_validator("languages")
    @classmethod
    def _langs(cls, values: list[str]) -> list[str]:
        return _codes(values, _LANGUAGE, "language {!r} must be an ISO 639-1 code such as fr")

    @model_validator(mode="before")
    @classmethod
    def _legacy_phrase(cls, data: Any) -> Any:
        """Walking-skeleton format (``phrase:`` at rule level) -> ``match: {phrase: ...}``."""
        if isinstance(data, dict) and "phrase" in data and "match" not in data:
            data = dict(data)
            data["match"] = {"phrase": data.pop("phrase")}
        return data


KNOWN_KEYS: tuple[str, ...] = tuple(sorted(
    set(Rule.model_fields) | set(Condition.model_fields) | set(Negated.model_fields) | set(ActorCond.model_fields)
    | set(Near.model_fields) | set(Weighted.model_fields) | {"weight"} | set(Examples.model_fields)
))
