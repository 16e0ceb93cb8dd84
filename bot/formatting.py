"""How an alert reads in Telegram (HTML parse mode).

Every piece of article text is escaped with ``html.escape`` before it meets our own markup: titles
like ``<script>alert(1)</script> & Co`` must arrive as text, never as a 400 "can't parse
entities" (alertmanager#3061). Matched spans of the evidence sentence are bolded by offsets,
then the message is split with ``html_split`` so over-long text never breaks a tag.

Every field is cut to a display limit (``LIMITS``) and the evidence sentence to a window around
its cues, so one alert is ONE message whatever an upstream producer or a hostile feed puts in it
(a 300 KB title once became 74 messages per chat); digests list a bounded number of alerts.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from dementi.records import Alert, StoryUpdate, clip
from dementi.bot.html_split import split_html

SEVERITY_MARK = {"critical": "🚨", "high": "🔴", "medium": "🟠", "low": "🟡", "info": "⚪"}
# Display limits in characters; with them an alert renders to well under Telegram's 4096.
LIMITS = {"rule_title": 200, "title": 300, "source": 100, "actor": 120, "sentence": 1200, "quote": 400,
          "url_text": 120, "url": 2048, "id": 64, "short": 24, "span": 100}
DIGEST_MAX_ALERTS = 50
DIGEST_LIMITS = {"rule_title": 60, "title": 120, "actor": 40}


def cut(alert_field: str | None, kind: str) -> str:
    """A field cut to its display limit (``LIMITS``)."""
    return clip(alert_field or "", LIMITS[kind])


def window(sentence: str, spans: list[tuple[int, int]], limit: int | None = None) -> tuple[str, list[tuple[int, int]]]:
    """At most ``limit`` characters of ``sentence`` around its first span, the spans shifted to
    match; "…" marks a cut on either side."""
    limit = limit or LIMITS["sentence"]
    if len(sentence) <= limit:
        return sentence, spans
    first = min((s for s, e in spans if e > s), default=0)
    start = max(0, min(first - limit // 3, len(sentence) - limit))
    end = start + limit
    text = ("…" if start else "") + sentence[start:end] + ("…" if end < len(sentence) else "")
    shift = start - (1 if start else 0)
    kept = [(max(s, start) - shift, min(e, end) - shift) for s, e in spans if e > start and s < end]
    return text, kept


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links (of a sane length) become anchors; anything else is shown as text."""
    if not url or len(url) > LIMITS["url"]:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return html.escape(url.strip(), quote=True)
    return None


def highlight(sentence: str, spans: list[tuple[int, int]]) -> str:
    """Escape ``sentence`` with the given [start, end) spans in bold (overlaps merged, clamped)."""
    cleaned = sorted((max(0, s), min(len(sentence), e)) for s, e in spans if e > s)
    merged: list[list[int]] = []
    for s, e in cleaned:
        if s >= len(sentence):
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out.append(esc(sentence[pos:s]))
        out.append(f"<b>{esc(sentence[s:e])}</b>")
        pos = e
    out.append(esc(sentence[pos:]))
    return "".join(out)


def actor_label(actor) -> str:
    if actor is None:
        return ""
    name = cut(actor.name or actor.text, "actor")
    country = cut(actor.country, "short")
    if country and country.upper() not in name.upper():
        name = f"{name} ({country})"
    return name


def evidence_html(alert: Alert) -> str:
    """The evidence sentence (windowed around its cues), cues in bold."""
    sentence, spans = window(alert.evidence.sentence, [(s.start, s.end) for s in alert.evidence.spans])
    return highlight(sentence, spans)


def render_alert(alert: Alert) -> str:
    """The full HTML of one alert: every field cut to ``LIMITS``, so it fits one message."""
    mark = SEVERITY_MARK.get(alert.severity, "🟠")
    lines = [f"{mark} <b>{esc(cut(alert.rule_title, 'rule_title'))}</b>"]
    denier, target = actor_label(alert.denier), actor_label(alert.target)
    if denier or target:
        lines.append(f"<b>{esc(denier or '?')}</b>" + (f" → {esc(target)}" if target else ""))
    if alert.article_title:
        lines.append(f"<i>{esc(cut(alert.article_title, 'title'))}</i>")
    lines.append("")
    lines.append(f"« {evidence_html(alert)} »")
    if alert.quote:
        lines.append(f"<blockquote>{esc(cut(alert.quote, 'quote'))}</blockquote>")
    lines.append("")
    source = esc(cut(alert.article_source, "source"))
    url = safe_url(alert.article_url)
    shown_url = esc(cut(alert.article_url, "url_text"))
    if url:
        lines.append((f"{source} · " if source else "") + f'<a href="{url}">{shown_url}</a>')
    elif alert.article_url or source:
        lines.append(" · ".join(x for x in (source, shown_url) if x))
    meta = []
    if alert.cameo:
        meta.append(f"CAMEO {esc(cut(alert.cameo, 'short'))}")
    if alert.article_lang:
        meta.append(esc(cut(alert.article_lang, "short")))
    meta.append(f"id <code>{esc(cut(alert.alert_id, 'id'))}</code>")
    lines.append(" · ".join(meta))
    return "\n".join(lines)


def alert_parts(alert: Alert, limit: int = 4096) -> list[str]:
    return split_html(render_alert(alert), limit)


def alert_keyboard(alert: Alert) -> dict:
    """Inline buttons as a Bot API dict (stored in the outbox as JSON): feedback, mute, explain."""
    a = alert.alert_id
    return {"inline_keyboard": [
        [{"text": "👍", "callback_data": f"fb:+:{a}"}, {"text": "👎", "callback_data": f"fb:-:{a}"}],
        [{"text": "🔕 Mute this rule 24h", "callback_data": f"mr:{a}"},
         {"text": "❓ Explain", "callback_data": f"ex:{a}"}],
    ]}


def explain_alert(alert: Alert) -> str:
    """Why this alert fired: rule, matched conditions and where, as HTML (bounded like alerts)."""
    lines = [f"<b>Alert</b> <code>{esc(cut(alert.alert_id, 'id'))}</code>",
             f"Rule: <code>{esc(cut(alert.rule_id, 'rule_title'))}</code> — {esc(cut(alert.rule_title, 'rule_title'))}",
             f"Severity: {esc(alert.severity)}" + (f" · kind: {esc(cut(alert.kind, 'short'))}" if alert.kind else "")
             + (f" · CAMEO {esc(cut(alert.cameo, 'short'))}" if alert.cameo else "")]
    if alert.tags:
        tags = [esc(cut(t, "short")) for t in alert.tags[:10]]
        lines.append("Tags: " + ", ".join(tags) + (f" (+{len(alert.tags) - 10})" if len(alert.tags) > 10 else ""))
    lines.append(f"Matched in the article {esc(alert.evidence.field)}:")
    for span in alert.evidence.spans[:10]:
        cond = f" ← {esc(cut(span.condition, 'span'))}" if span.condition else ""
        lines.append(f"• <b>{esc(cut(span.text, 'span'))}</b> [{span.start}:{span.end}]{cond}")
    if len(alert.evidence.spans) > 10:
        lines.append(f"• … and {len(alert.evidence.spans) - 10} more")
    lines.append(f"« {evidence_html(alert)} »")
    if alert.denier:
        lines.append(f"Denier: {esc(actor_label(alert.denier))}" + (f" [{esc(cut(alert.denier.kind, 'short'))}]"
                                                                    if alert.denier.kind else ""))
    if alert.target:
        lines.append(f"Target: {esc(actor_label(alert.target))}")
    lines.append(f"Article: {esc(cut(alert.article_title, 'title'))} ({esc(cut(alert.article_source, 'source'))}, "
                 f"{esc(cut(alert.article_lang, 'short') or '?')})")
    lines.append(f"Detected: {alert.detected_at:%Y-%m-%d %H:%M:%S} UTC")
    return "\n".join(lines)


def digest_html(alerts: list[Alert], period: str) -> str:
    """One line per alert (fields cut to ``DIGEST_LIMITS``), at most ``DIGEST_MAX_ALERTS`` of them."""
    lines = [f"🗞 <b>Digest ({esc(period)})</b> — {len(alerts)} alert(s)", ""]
    for alert in alerts[:DIGEST_MAX_ALERTS]:
        mark = SEVERITY_MARK.get(alert.severity, "🟠")
        url = safe_url(alert.article_url)
        title = esc(clip(alert.article_title or alert.evidence.sentence, DIGEST_LIMITS["title"]))
        link = f'<a href="{url}">{title}</a>' if url else title
        who = clip(actor_label(alert.denier), DIGEST_LIMITS["actor"])
        lines.append(f"{mark} {esc(clip(alert.rule_title, DIGEST_LIMITS['rule_title']))}"
                     + (f" — <b>{esc(who)}</b>" if who else "") + f": {link}")
    if len(alerts) > DIGEST_MAX_ALERTS:
        lines.append(f"… and {len(alerts) - DIGEST_MAX_ALERTS} more (/recent lists the latest)")
    return "\n".join(lines)


MAX_STORY_TEXT = 3900     # one Telegram message (4096 after entity parsing), with room to spare
MAX_LISTED_SOURCES = 12   # articles listed by name; the rest are counted


MAX_EVIDENCE = 600        # characters of one finding's sentence in a story message (/explain has it all)


def _finding_lines(alert: Alert, with_quote: bool) -> list[str]:
    mark = SEVERITY_MARK.get(alert.severity, "🟠")
    sentence = alert.evidence.sentence
    cut = len(sentence) > MAX_EVIDENCE
    shown = sentence[:MAX_EVIDENCE]
    lines = [f"{mark} <b>{esc(alert.rule_title)}</b>" + (f" · {esc(alert.article_lang)}" if alert.article_lang else ""),
             f"« {highlight(shown, [(s.start, s.end) for s in alert.evidence.spans])}{'…' if cut else ''} »"]
    if with_quote and alert.quote:
        lines.append(f"<blockquote>{esc(alert.quote[:MAX_EVIDENCE])}</blockquote>")
    return lines


def _source_line(source) -> str:
    name = esc(source.source or source.url or "?")
    url = safe_url(source.url)
    link = f'<a href="{url}">{name}</a>' if url else name
    return link + (f" ({esc(source.lang)})" if source.lang else "")


def render_story(story: StoryUpdate, sources_limit: int = MAX_LISTED_SOURCES, quotes: bool = True) -> str:
    """ONE message for one story: who denies what, each finding once with its evidence, then every
    outlet that reported it ("+N sources") with languages. Later versions replace it (an edit)."""
    first = story.findings[0] if story.findings else story.alert
    denier, target = actor_label(story.denier), actor_label(story.target)
    lines = [f"<b>{esc(denier or '?')}</b>" + (f" → {esc(target)}" if target else "")]
    if first.article_title:
        lines.append(f"<i>{esc(first.article_title)}</i>")
    lines.append("")
    seen_evidence: set[str] = set()
    for finding in story.findings or [story.alert]:
        key = " ".join(finding.evidence.sentence.split()).lower()
        if key in seen_evidence:
            continue  # evidence shown once
        seen_evidence.add(key)
        lines += _finding_lines(finding, quotes)
    articles: dict[str, object] = {}
    for source in story.sources:
        articles.setdefault(source.article_id, source)
    n = len(articles)
    lines.append("")
    more = f" (+{n - 1} since the first report)" if n > 1 else ""
    lines.append(f"📰 {n} source{'s' if n != 1 else ''}{more} · {esc(', '.join(story.languages) or '?')}")
    listed = list(articles.values())[:sources_limit]
    lines.append(" · ".join(_source_line(s) for s in listed) + (f" · +{n - len(listed)} more" if n > len(listed) else ""))
    meta = [f"CAMEO {esc(first.cameo)}"] if first.cameo else []
    meta.append(f"story <code>{esc(story.story_id)}</code> · {story.version} alert{'s' if story.version != 1 else ''}")
    lines.append(" · ".join(meta))
    return "\n".join(lines)


def story_parts(story: StoryUpdate) -> list[str]:
    """The story message, made to fit ONE message (it is edited later): fewer sources listed, then
    no quotes, then the first part only."""
    for limit, quotes in ((MAX_LISTED_SOURCES, True), (5, True), (3, False), (0, False)):
        text = render_story(story, limit, quotes)
        if len(text) <= MAX_STORY_TEXT:
            return [text]
    return split_html(text, MAX_STORY_TEXT)[:1]


def story_keyboard(story: StoryUpdate) -> dict:
    """Buttons under a story message: feedback on its first alert, mute this story, mute the rule, explain."""
    first = (story.findings[0] if story.findings else story.alert).alert_id
    return {"inline_keyboard": [
        [{"text": "👍", "callback_data": f"fb:+:{first}"}, {"text": "👎", "callback_data": f"fb:-:{first}"}],
        [{"text": "🔕 Mute this story", "callback_data": f"ms:{story.story_id}"},
         {"text": "🔕 Rule 24h", "callback_data": f"mr:{first}"},
         {"text": "❓ Explain", "callback_data": f"ex:{first}"}],
    ]}


def digest_stories_html(stories: list[StoryUpdate], period: str) -> str:
    lines = [f"🗞 <b>Digest ({esc(period)})</b> — {len(stories)} stor{'y' if len(stories) == 1 else 'ies'}", ""]
    for story in stories:
        first = story.findings[0] if story.findings else story.alert
        mark = SEVERITY_MARK.get(first.severity, "🟠")
        url = safe_url(first.article_url)
        title = esc(first.article_title or first.evidence.sentence[:120])
        link = f'<a href="{url}">{title}</a>' if url else title
        who = actor_label(story.denier)
        n = story.article_count
        lines.append(f"{mark} " + (f"<b>{esc(who)}</b>: " if who else "") + link
                     + f" · {n} source{'s' if n != 1 else ''} ({esc(', '.join(story.languages))})"
                     + f" · <code>{esc(story.story_id)}</code>")
    return "\n".join(lines)
