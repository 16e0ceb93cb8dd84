"""The records that travel on topics: ``Article`` (feed -> detect), ``Alert`` (detect -> stories) and
``StoryUpdate`` (stories -> bot).

They are the only contract between ``streams/`` and ``bot/``. JSON on the wire, with a
``schema_version`` so a consumer can refuse records it does not understand. Ids are deterministic
so that replays and duplicates collapse downstream: the same URL gives the same article id, the
same article + rule give the same alert id, the same first alert gives the same story id.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCHEMA_VERSION = 1

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")

# Ingest caps (every Article passes through this model: publish, feeds, the worker's decode). A
# hostile feed entry must not become dozens of Telegram messages per chat: titles and sources are
# cut (marked with "…"), and a URL longer than any real link is refused (the record is rejected
# with the field named: a bad line for `dementi publish`, a dead letter for the worker).
MAX_TITLE_CHARS = 1000
MAX_SOURCE_CHARS = 200
MAX_URL_CHARS = 2048

_TRACKING_PARAM = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|xtor|at_\w+|ref|cmpid|ocid)$", re.I)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def normalise_url(url: str) -> str:
    """Canonical form of a URL for identity: lower-case host, no fragment, no tracking params."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAM.match(k)]
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(sorted(query)), ""))


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the cut marked with "…"."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def validation_summary(exc: ValidationError, whole: str = "<record>", limit: int | None = None) -> str:
    """``body: Field required; lang: Input should be a valid string``: the field path of every error
    with pydantic's message, never the input (it may be large, or a secret); ``whole`` names an
    error of the record as a whole; past ``limit`` errors, how many more there are."""
    parts = [f"{'.'.join(str(p) for p in e.get('loc', ())) or whole}: {e.get('msg', 'invalid')}"
             for e in exc.errors(include_url=False, include_input=False)[:limit]]
    more = exc.error_count() - limit if limit is not None else 0
    if more > 0:
        parts.append(f"... and {more} more error(s)")
    return "; ".join(parts)


def stable_id(*parts: str, length: int = 20) -> str:
    """Short hex digest of the parts; the separator makes ("ab","c") differ from ("a","bc")."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes | str):
        """Parse a record; raises ``pydantic.ValidationError`` / ``ValueError`` with the field path."""
        return cls.model_validate_json(data)


class Article(Record):
    """One news item. ``id`` is derived from the normalised URL when the producer gives none."""

    schema_version: int = SCHEMA_VERSION
    id: str = ""
    url: str = ""
    title: str = ""
    body: str
    lang: str | None = Field(default=None, description="ISO 639-1; detected when absent")
    source: str = ""
    published_at: datetime | None = None
    ingested_at: datetime | None = None

    @field_validator("url")
    @classmethod
    def _url_length(cls, value: str) -> str:
        if len(value) > MAX_URL_CHARS:
            raise ValueError(f"URL of {len(value)} characters, longer than the {MAX_URL_CHARS} allowed")
        return value

    @model_validator(mode="after")
    def _derive_id(self) -> "Article":
        self.title = clip(self.title, MAX_TITLE_CHARS)
        self.source = clip(self.source, MAX_SOURCE_CHARS)
        if not self.id:
            if not self.url:
                # No URL and no id: fall back to content identity so replays still collapse.
                self.id = stable_id("content", self.title, self.body)
            else:
                self.id = stable_id("url", normalise_url(self.url))
        if self.lang:
            self.lang = self.lang.lower().split("-")[0][:3]
        return self


class Span(BaseModel):
    """A matched piece of the evidence sentence (offsets are relative to ``Evidence.sentence``)."""

    start: int
    end: int
    text: str
    condition: str = Field(default="", description="which rule condition matched here, e.g. 'lemma:démentir'")


class Evidence(BaseModel):
    sentence: str
    field: Literal["title", "body"] = "body"
    spans: list[Span] = Field(default_factory=list)


class Actor(BaseModel):
    """A resolved state actor: display name, ISO 3166 alpha-3 country when known, its kind, and a
    stable ``code`` that subscriptions (`actor:RUS`, `actor:UN`) and scoring compare: the country
    for a state and its organs, the organisation's code (UN, NATO, EU, AU, ARAB_LEAGUE, ...) for an
    intergovernmental body."""

    name: str
    country: str | None = None
    kind: str | None = Field(default=None, description="state | ministry | leader | office | diplomat | igo ...")
    text: str | None = Field(default=None, description="the words in the article that named it")
    code: str | None = Field(default=None, description="ISO 3166 alpha-3, or UN/NATO/EU/AU/ARAB_LEAGUE/...; defaults to country")

    @model_validator(mode="after")
    def _default_code(self) -> "Actor":
        if self.code is None and self.country:
            self.code = self.country
        return self


class StoryFeatures(BaseModel):
    """What story identity compares (``dementi.rules.storyfeatures`` computes them in the detect
    step, from the title, the lead and the evidence sentence). Language-independent parts (actor
    codes, numbers, multilingual concepts, proper names) link translations; ``words`` links
    rewordings in one language."""

    key: str = Field(default="", description="denier code the story is filed under: the article's lead denier ('' unknown)")
    actors: list[str] = Field(default_factory=list, description="state/IGO codes named (ISO alpha-3, UN, EU, ...)")
    names: list[str] = Field(default_factory=list, description="other proper names, folded (e.g. 'tromso')")
    numbers: list[str] = Field(default_factory=list, description="quantities, years (y2019), months (m11)")
    concepts: list[str] = Field(default_factory=list, description="multilingual concept ids (SUBMARINE, TALKS, ...)")
    words: list[str] = Field(default_factory=list, description="content-word stems of this language")


class Alert(Record):
    """One (article, rule) match. ``alert_id`` is deterministic: replays produce the same id."""

    schema_version: int = SCHEMA_VERSION
    alert_id: str = ""
    rule_id: str
    rule_title: str
    severity: Severity = "medium"
    tags: list[str] = Field(default_factory=list)
    kind: str | None = Field(default=None, description="denial | refusal | ... (from the rule)")
    cameo: str | None = None
    article_id: str
    article_url: str = ""
    article_title: str = ""
    article_source: str = ""
    article_lang: str | None = None
    published_at: datetime | None = None
    ingested_at: datetime | None = Field(default=None, description="when the article entered dementi (feed poll or Kafka append): end-to-end latency")
    evidence: Evidence
    denier: Actor | None = None
    target: Actor | None = None
    quote: str | None = None
    detected_at: datetime = Field(default_factory=utcnow)
    story: StoryFeatures | None = Field(default=None, description="story identity features (None: alert from an older worker)")

    @model_validator(mode="after")
    def _derive_id(self) -> "Alert":
        if not self.alert_id:
            self.alert_id = alert_id_for(self.article_id, self.rule_id)
        return self

    @property
    def story_key(self) -> str:
        """The partition key of the alerts topic: alerts of one denier (one story key) are read in
        order by one story-stage task. ``?`` when no denier is known."""
        if self.story is not None:
            return self.story.key or "?"
        return (self.denier.code if self.denier and self.denier.code else "") or "?"

    @property
    def event_time(self) -> datetime:
        """When the reported event happened as far as stories are concerned: the article's
        publication time, else the detection time (replays keep both, so windows are stable)."""
        return self.published_at or self.detected_at


def alert_id_for(article_id: str, rule_id: str) -> str:
    return stable_id("alert", article_id, rule_id)


class StorySource(BaseModel):
    """One alert of a story, as the story lists it (the full alerts travel in ``StoryUpdate.alert``)."""

    alert_id: str
    article_id: str
    rule_id: str
    kind: str | None = None
    source: str = ""
    url: str = ""
    title: str = ""
    lang: str | None = None
    denier: str | None = Field(default=None, description="the alert's own denier code")
    published_at: datetime | None = None
    detected_at: datetime | None = None


class StoryUpdate(Record):
    """The state of one story after one more alert joined it (a full snapshot: idempotent, the
    newest version wins). ``story_id`` derives from the story's first alert in partition order,
    so a replay, a restart or another deployment computes the same ids."""

    schema_version: int = SCHEMA_VERSION
    story_id: str
    version: int = Field(ge=1, description="number of alerts in the story")
    key: str = Field(description="denier code the story is filed under ('?' unknown)")
    denier: Actor | None = None
    target: Actor | None = None
    alert: Alert = Field(description="the alert that made this version")
    joined: str = Field(default="", description="why the alert joined this story (or 'new story')")
    findings: list[Alert] = Field(default_factory=list, description="distinct findings (rule x evidence), in order; capped")
    sources: list[StorySource] = Field(default_factory=list, description="every alert of the story, in order; capped")
    languages: list[str] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    first_seen: datetime
    last_seen: datetime
    window_seconds: float = 48 * 3600.0

    @property
    def article_count(self) -> int:
        return len({s.article_id for s in self.sources})


def story_id_for(first_alert_id: str) -> str:
    return stable_id("story", first_alert_id)
