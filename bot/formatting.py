"""How an alert reads in Telegram (HTML parse mode).

Every piece of article text is escaped with ``html.escape`` before it meets our own markup: titles
like ``<script>alert(1)</script> & Co`` must arrive as text, never as a 400 "can't parse
entities" (alertmanager#3061). Matched spans of the evidence sentence are bolded by offsets,
then the message is split with ``html_split`` so over-long text never breaks a tag.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from dementi.records import Alert
from dementi.bot.html_split import split_html

SEVERITY_MARK = {"critical": "🚨", "high": "🔴", "medium": "🟠", "low": "🟡", "info": "⚪"}


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links become anchors; anything else is shown as text."""
    if not url:
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
    name = actor.name or actor.text or ""
    if actor.country and actor.country.upper() not in name.upper():
        name = f"{name} ({actor.country})"
    return name


def render_alert(alert: Alert) -> str:
    """The full HTML of one alert (may exceed 4096; use ``alert_parts``)."""
    mark = SEVERITY_MARK.get(alert.severity, "🟠")
    lines = [f"{mark} <b>{esc(alert.rule_title)}</b>"]
    denier, target = actor_label(alert.denier), actor_label(alert.target)
    if denier or target:
        lines.append(f"<b>{esc(denier or '?')}</b>" + (f" → {esc(target)}" if target else ""))
    if alert.article_title:
        lines.append(f"<i>{esc(alert.article_title)}</i>")
    spans = [(s.start, s.end) for s in alert.evidence.spans]
    lines.append("")
    lines.append(f"« {highlight(alert.evidence.sentence, spans)} »")
    if alert.quote:
        lines.append(f"<blockquote>{esc(alert.quote)}</blockquote>")
    lines.append("")
    source = esc(alert.article_source) if alert.article_source else ""
    url = safe_url(alert.article_url)
    if url:
        lines.append((f"{source} · " if source else "") + f'<a href="{url}">{esc(alert.article_url)}</a>')
    elif alert.article_url or source:
        lines.append(" · ".join(x for x in (source, esc(alert.article_url)) if x))
    meta = []
    if alert.cameo:
        meta.append(f"CAMEO {esc(alert.cameo)}")
    if alert.article_lang:
        meta.append(esc(alert.article_lang))
    meta.append(f"id <code>{esc(alert.alert_id)}</code>")
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
    """Why this alert fired: rule, matched conditions and where, as HTML."""
    lines = [f"<b>Alert</b> <code>{esc(alert.alert_id)}</code>",
             f"Rule: <code>{esc(alert.rule_id)}</code> — {esc(alert.rule_title)}",
             f"Severity: {esc(alert.severity)}" + (f" · kind: {esc(alert.kind)}" if alert.kind else "")
             + (f" · CAMEO {esc(alert.cameo)}" if alert.cameo else "")]
    if alert.tags:
        lines.append("Tags: " + ", ".join(esc(t) for t in alert.tags))
    lines.append(f"Matched in the article {esc(alert.evidence.field)}:")
    for span in alert.evidence.spans:
        cond = f" ← {esc(span.condition)}" if span.condition else ""
        lines.append(f"• <b>{esc(span.text)}</b> [{span.start}:{span.end}]{cond}")
    lines.append(f"« {highlight(alert.evidence.sentence, [(s.start, s.end) for s in alert.evidence.spans])} »")
    if alert.denier:
        lines.append(f"Denier: {esc(actor_label(alert.denier))}" + (f" [{esc(alert.denier.kind)}]"
                                                                    if alert.denier.kind else ""))
    if alert.target:
        lines.append(f"Target: {esc(actor_label(alert.target))}")
    lines.append(f"Article: {esc(alert.article_title)} ({esc(alert.article_source)}, {esc(alert.article_lang or '?')})")
    lines.append(f"Detected: {alert.detected_at:%Y-%m-%d %H:%M:%S} UTC")
    return "\n".join(lines)


def digest_html(alerts: list[Alert], period: str) -> str:
    lines = [f"🗞 <b>Digest ({esc(period)})</b> — {len(alerts)} alert(s)", ""]
    for alert in alerts:
        mark = SEVERITY_MARK.get(alert.severity, "🟠")
        url = safe_url(alert.article_url)
        title = esc(alert.article_title or alert.evidence.sentence[:120])
        link = f'<a href="{url}">{title}</a>' if url else title
        who = actor_label(alert.denier)
        lines.append(f"{mark} {esc(alert.rule_title)}" + (f" — <b>{esc(who)}</b>" if who else "") + f": {link}")
    return "\n".join(lines)
