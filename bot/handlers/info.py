"""/recent, /story, /explain, /status and the buttons under each story message (👍 / 👎, mute this
story, mute the rule, explain)."""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import ContextTypes

from dementi.bot.filters import excluded
from dementi.bot.formatting import SEVERITY_MARK, actor_label, cut, esc, explain_alert, safe_url
from dementi.records import clip
from dementi.bot.handlers.common import register_chat, reply
from dementi.bot.policy import alert_visible, story_visible
from dementi.bot.services import Services, svc

MAX_RECENT = 20
RULE_MUTE_SECONDS = 86400


def _story_matches(s, chat, story) -> bool:
    """A story is this chat's when one of its alerts matches the chat's filters (like routing)."""
    alerts = s.store.story_alerts(story.story_id) or [story.alert]
    return any(any(f.matches(a) for f in chat.filters) and not excluded(a, chat.exclusions) for a in alerts)


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
    picked = [st for st in s.store.recent_stories(200) if _story_matches(s, chat, st)][:n]
    if not picked:
        await reply(update, context, "📭 No recent story matches this chat's subscriptions.")
        return
    lines = [f"<b>Last {len(picked)} stor{'y' if len(picked) == 1 else 'ies'}</b> for this chat:"]
    for st in picked:
        first = st.findings[0] if st.findings else st.alert
        url = safe_url(first.article_url)
        title = esc(clip(first.article_title or first.evidence.sentence, 150))
        who = actor_label(st.denier)
        link = f'<a href="{url}">{title}</a>' if url else title
        n_src = st.article_count
        lines.append(f"{SEVERITY_MARK.get(first.severity, '🟠')} " + (f"<b>{esc(who)}</b>: " if who else "") + link
                     + f" · {n_src} source{'s' if n_src != 1 else ''} ({esc(', '.join(st.languages))})"
                     + f" · {st.last_seen:%m-%d %H:%M}Z · /story <code>{esc(st.story_id)}</code>")
    await reply(update, context, "\n".join(lines))


async def story(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = svc(context)
    chat_id = register_chat(update, context)
    args = context.args or []
    if len(args) != 1:
        await reply(update, context, "❌ Usage: /story STORY_ID (the id is at the bottom of each story message).")
        return
    # Only stories routed to this chat (like /explain): a story id proves nothing.
    st = s.store.story(args[0]) if story_visible(s.store, chat_id, args[0]) else None
    if st is None:
        await reply(update, context, f"❌ No story with id <code>{esc(args[0][:64])}</code> in the recent log.")
        return
    lines = [f"<b>Story</b> <code>{esc(st.story_id)}</code> — <b>{esc(actor_label(st.denier) or st.key)}</b>"
             + (f" → {esc(actor_label(st.target))}" if st.target else ""),
             f"{st.version} alert(s), {st.article_count} article(s), languages {esc(', '.join(st.languages))}, "
             f"first {st.first_seen:%Y-%m-%d %H:%M}Z, last {st.last_seen:%Y-%m-%d %H:%M}Z", ""]
    for i, src in enumerate(st.sources, start=1):
        url = safe_url(src.url)
        title = esc(src.title or src.url or "?")
        link = f'<a href="{url}">{title}</a>' if url else title
        when = src.published_at or src.detected_at
        lines.append(f"{i}. {esc(src.source or '?')} ({esc(src.lang or '?')})"
                     + (f" {when:%m-%d %H:%M}Z" if when else "") + f": {link} · <code>{esc(src.rule_id)}</code>")
    if st.version > len(st.sources):
        lines.append(f"… and {st.version - len(st.sources)} more alert(s) not listed")
    await reply(update, context, "\n".join(lines))


async def explain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = register_chat(update, context)
    args = context.args or []
    if len(args) != 1:
        await reply(update, context, "❌ Usage: /explain ALERT_ID (the id is at the bottom of each alert).")
        return
    await reply(update, context, explain_text(svc(context), args[0], chat_id))


def explain_text(s, alert_id: str, chat_id: int) -> str:
    """Why an alert fired, which story it belongs to (and why), and what this chat got (and why)."""
    # Only alerts routed to this chat: ids are computable from public URLs, so knowing one proves nothing.
    alert = s.store.alert(alert_id) if alert_visible(s.store, chat_id, alert_id) else None
    if alert is None:
        return f"❌ No alert with id <code>{esc(alert_id[:64])}</code> in the recent log."
    lines = [explain_alert(alert)]
    membership = s.store.story_of_alert(alert_id)
    if membership:
        story_id, joined = membership
        lines.append(f"Story: <code>{esc(story_id)}</code> — {esc(joined)} (/story {esc(story_id)})")
    route = [r for r in s.store.alert_routes(alert_id) if r[0] == chat_id]
    if route:
        _, status, reason = route[0]
        lines.append(f"In this chat: {esc(status)} — {esc(reason)}")
    else:
        lines.append("In this chat: nothing (no subscription of this chat matched it)")
    return "\n".join(lines)


def lag_text(s: Services) -> str:
    lag = s.consumer.lag() if s.consumer is not None else None
    return "unknown (not consuming yet)" if lag is None else f"{lag} alert(s)"


def article_lines(s: Services, now: float) -> tuple[str, str]:
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
             f"Alerts consumed since start: {s.consumer.consumed if s.consumer is not None else 0} · consumer lag: {lag_text(s)}"
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
    """fb:+:ID / fb:-:ID (vote), ms:STORY (mute this story here), mr:ID (mute the alert's rule here
    for 24 h), ex:ID (explain)."""
    s = svc(context)
    query = update.callback_query
    chat_id = register_chat(update, context)
    kind, _, rest = (query.data or "").partition(":")
    if kind == "ms":
        if not story_visible(s.store, chat_id, rest) or s.store.story(rest) is None:
            await query.answer("This story is no longer in the log.", show_alert=True)
            return
        s.store.mute_story(chat_id, rest)
        await query.answer("Story muted here: its message is no longer updated")
        await reply(update, context, f"🔕 Story <code>{esc(rest)}</code> muted in this chat: later reports of it are "
                                     "not shown (see /explain). Other stories are not affected.")
        return
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
        await reply(update, context, explain_text(s, alert.alert_id, chat_id))
    else:
        await query.answer()
