"""/recent, /explain, /status and the buttons under each alert (👍 / 👎, mute rule, explain)."""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import ContextTypes

from dementi.bot.filters import excluded
from dementi.bot.formatting import SEVERITY_MARK, actor_label, cut, esc, explain_alert, safe_url
from dementi.records import clip
from dementi.bot.handlers.common import register_chat, reply
from dementi.bot.policy import alert_visible
from dementi.bot.services import svc

MAX_RECENT = 20
RULE_MUTE_SECONDS = 86400


async def recent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = svc(context)
    chat_id = register_chat(update, context)
    args = context.args or []
    if len(args) > 1 or (args and not (args[0].isdigit() and 1 <= int(args[0]) <= MAX_RECENT)):
        await reply(update, context, f"❌ Usage: /recent [N] with N between 1 and {MAX_RECENT}.")
        return
    n = int(args[0]) if args else 5
    chat = s.store.chat(chat_id)
    if chat is None or not chat.filters:
        await reply(update, context, "📭 This chat has no subscriptions, so nothing matches. /subscribe first.")
        return
    picked = [a for a in s.store.recent_alerts(500)
              if any(f.matches(a) for f in chat.filters) and not excluded(a, chat.exclusions)][:n]
    if not picked:
        await reply(update, context, "📭 No recent alert matches this chat's subscriptions.")
        return
    lines = [f"<b>Last {len(picked)} alert(s)</b> for this chat:"]
    for a in picked:
        url = safe_url(a.article_url)
        title = esc(clip(a.article_title or a.evidence.sentence, 150))
        who = actor_label(a.denier)
        link = f'<a href="{url}">{title}</a>' if url else title
        lines.append(f"{SEVERITY_MARK.get(a.severity, '🟠')} {esc(cut(a.rule_title, 'rule_title'))}"
                     + (f" — <b>{esc(who)}</b>" if who else "")
                     + f": {link} · {a.detected_at:%m-%d %H:%M}Z · <code>{esc(cut(a.alert_id, 'id'))}</code>")
    await reply(update, context, "\n".join(lines))


async def explain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = register_chat(update, context)
    args = context.args or []
    if len(args) != 1:
        await reply(update, context, "❌ Usage: /explain ALERT_ID (the id is at the bottom of each alert).")
        return
    store = svc(context).store
    # Only alerts routed to this chat: ids are computable from public URLs, so knowing one proves nothing.
    alert = store.alert(args[0]) if alert_visible(store, chat_id, args[0]) else None
    if alert is None:
        await reply(update, context, f"❌ No alert with id <code>{esc(args[0][:64])}</code> in the recent log.")
        return
    await reply(update, context, explain_alert(alert))


def lag_text(s) -> str:
    lag = s.consumer.lag() if s.consumer is not None else None
    return "unknown (not consuming yet)" if lag is None else f"{lag} alert(s)"


def article_lines(s, now: float) -> tuple[str, str]:
    """("Articles … line", "alerts/articles ratio fragment") from the article-rate sampler. The
    ratio uses the SAME window for both counts (alerts received since the window's base sample)."""
    rate = s.article_rate
    window = rate.window(now) if rate is not None else None
    if window is None:
        why = (rate.last_error if rate is not None else None) or "not sampled yet"
        return f"Articles in the last hour: unknown ({esc(why)})", "alerts/articles: unknown"
    stale = f" (last count failed: {esc(rate.last_error)})" if rate.last_error else ""
    line = f"Articles published {window.label()}: {window.count}{stale}"
    if window.count == 0:
        return line, f"alerts/articles {window.label()}: no articles"
    alerts = s.store.alerts_since(window.start)
    return line, f"alerts/articles {window.label()}: {alerts}/{window.count} = {alerts / window.count:.1%}"


def score_line(rule_id: str, up: int, down: int) -> str:
    total = up + down
    pct = f"{100 * up / total:.0f}% useful" if total else "no votes"
    return f"• <code>{esc(rule_id)}</code>: 👍 {up} · 👎 {down} ({pct})"


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = svc(context)
    register_chat(update, context)
    rules = s.catalog.rules()
    disabled = s.catalog.disabled()
    counts = s.store.counts()
    now = time.time()
    uptime = int(now - s.started_at)
    articles, ratio = article_lines(s, now)
    lines = ["<b>dementi status</b>",
             f"Rules loaded: {len(rules)}" + (f" ({len(disabled)} disabled)" if disabled else "")
             + f" · {ratio}"
             + (f" — last reload failed: {esc(s.catalog.error)}" if s.catalog.error else ""),
             articles,
             f"Alerts received in the last hour: {s.store.alerts_since(now - 3600)}",
             f"Messages sent in the last hour: {counts['sent_hour']} · waiting in outbox: {counts['pending']}",
             f"Subscribed chats: {counts['chats']}" + (f" ({counts['paused']} paused)" if counts["paused"] else ""),
             f"Alerts consumed since start: {getattr(s.consumer, 'consumed', 0)} · consumer lag: {lag_text(s)}"
             f" · uptime {uptime // 60} min"]
    if s.sender is not None:
        st = s.sender.stats
        lines.append(f"Delivery since start: sent {st['sent']}, 429 waits {st['retry_after']}, "
                     f"retries {st['backoff']}, blocked chats {st['forbidden']}, failed {st['failed']}")
    scores = s.store.feedback_scores()
    if scores:
        lines.append("<b>Feedback per rule</b>")
        lines += [score_line(rid, up, down) for rid, (up, down) in sorted(scores.items())]
    else:
        lines.append("No 👍/👎 feedback yet.")
    await reply(update, context, "\n".join(lines))


async def on_alert_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """fb:+:ID / fb:-:ID (vote), mr:ID (mute the alert's rule here for 24 h), ex:ID (explain)."""
    s = svc(context)
    query = update.callback_query
    chat_id = register_chat(update, context)
    kind, _, rest = (query.data or "").partition(":")
    if kind == "fb":
        sign, _, alert_id = rest.partition(":")
        alert = s.store.alert(alert_id) if alert_visible(s.store, chat_id, alert_id) else None
        if alert is None or sign not in ("+", "-"):
            await query.answer("This alert is no longer in the log.", show_alert=True)
            return
        user = update.effective_user
        s.store.vote(alert_id, alert.rule_id, chat_id, user.id if user else chat_id, 1 if sign == "+" else -1)
        await query.answer("Thanks! Feedback recorded." if sign == "+" else "Noted: counted against this rule.")
        return
    alert = s.store.alert(rest) if alert_visible(s.store, chat_id, rest) else None
    if alert is None:
        await query.answer("This alert is no longer in the log.", show_alert=True)
        return
    if kind == "mr":
        s.store.mute_rule(chat_id, alert.rule_id, time.time() + RULE_MUTE_SECONDS)
        await query.answer(f"Rule {alert.rule_id} muted here for 24 h")
        await reply(update, context, f"🔕 Rule <code>{esc(alert.rule_id)}</code> muted in this chat for 24 h. "
                                     "/unmute lifts it.")
    elif kind == "ex":
        await query.answer()
        await reply(update, context, explain_alert(alert))
    else:
        await query.answer()
