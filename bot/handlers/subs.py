"""/subscribe, /unsubscribe, /subs, /rules and their inline buttons.

Semantics (see bot/filters.py): each /subscribe adds one filter (OR between filters, AND inside).
``/unsubscribe RULE_ID`` or ``tag:T`` also carves that rule/tag out of broader filters (e.g.
``all``), which is what a user means by "stop this one". Bad arguments change nothing.
"""

from __future__ import annotations

from datetime import datetime, timezone

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from dementi.records import stable_id
from dementi.bot.filters import Catalogue, Filter, FilterError, parse_filter
from dementi.bot.formatting import esc
from dementi.bot.handlers.common import register_chat, reply
from dementi.bot.services import Services, svc

PAGE = 8


def catalogue(s: Services) -> Catalogue:
    rules = s.catalog.rules()
    return Catalogue(rule_ids={r.id for r in rules}, tags={t for r in rules for t in r.tags},
                     languages=s.catalog.languages(), actors=s.catalog.actor_codes())


def subscribe_filter(s: Services, chat_id: int, flt: Filter) -> str:
    spec = flt.canonical()
    added = s.store.subscribe(chat_id, spec)
    return (f"✅ Subscribed to <code>{esc(spec)}</code>." if added
            else f"ℹ️ Already subscribed to <code>{esc(spec)}</code>.")


def unsubscribe_filter(s: Services, chat_id: int, flt: Filter) -> str | None:
    """Remove a filter (and carve out a single rule/tag); None when there was nothing to remove."""
    spec = flt.canonical()
    removed = s.store.unsubscribe(chat_id, spec)
    single = (len(flt.rules) + len(flt.tags) == 1 and not (flt.langs or flt.actors or flt.severity))
    if single and _still_covered(s, chat_id, flt):
        s.store.exclude(chat_id, spec)
        return f"🔕 You will no longer get <code>{esc(spec)}</code> alerts."
    if removed:
        return f"🔕 Unsubscribed from <code>{esc(spec)}</code>."
    return None


def _still_covered(s: Services, chat_id: int, flt: Filter) -> bool:
    """Could a remaining (broader) filter still deliver this single rule or tag?"""
    remaining = s.store.filters(chat_id)
    rules = {r.id: set(r.tags) for r in s.catalog.rules()}
    if flt.rules:
        rule_id = next(iter(flt.rules))
        tags = rules.get(rule_id, set())
        return any(f.all or rule_id in f.rules or (not f.rules and (not f.tags or f.tags & tags)) for f in remaining)
    tag = next(iter(flt.tags))
    return any(f.all or tag in f.tags or (not f.tags and (not f.rules or any(tag in rules.get(r, set())
                                                                               for r in f.rules)))
               for f in remaining)


def describe_chat(s: Services, chat_id: int) -> str:
    subs, excl = s.store.subscriptions(chat_id), s.store.exclusions(chat_id)
    chat = s.store.chat(chat_id)
    if not subs:
        lines = ["📭 This chat has no subscriptions. /subscribe to get every alert, or /rules to pick."]
    else:
        lines = ["<b>Subscriptions</b> (any of):"] + [f"• <code>{esc(x)}</code>" for x in subs]
        if excl:
            lines.append("<b>Except</b>: " + ", ".join(f"<code>{esc(x)}</code>" for x in excl))
    if chat:
        now = datetime.now(timezone.utc).timestamp()
        if chat.paused:
            lines.append(f"⏸ Paused: {esc(chat.paused_reason or '')} — /subscribe again to resume.")
        if chat.muted_until > now:
            until = datetime.fromtimestamp(chat.muted_until, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            lines.append(f"🔇 Muted until {until}")
        muted_rules = [r for r, t in chat.rule_mutes.items() if t > now]
        if muted_rules:
            lines.append("🔕 Muted rules: " + ", ".join(f"<code>{esc(r)}</code>" for r in muted_rules))
        lines.append(f"🌙 Quiet hours: {esc(chat.quiet or 'none')} · 🕰 {esc(chat.tz)} · 🗞 digest: {esc(chat.digest)}")
    return "\n".join(lines)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = svc(context)
    chat_id = register_chat(update, context)
    try:
        flt = parse_filter(context.args or [], catalogue(s))
    except FilterError as exc:
        await reply(update, context, f"❌ {esc(str(exc))}\nNothing was changed.")
        return
    await reply(update, context, subscribe_filter(s, chat_id, flt))


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s = svc(context)
    chat_id = register_chat(update, context)
    if not context.args:
        n = s.store.unsubscribe_all(chat_id)
        await reply(update, context, "🔕 Unsubscribed from everything." if n else "ℹ️ This chat had no subscriptions.")
        return
    try:
        flt = parse_filter(context.args, catalogue(s))
    except FilterError as exc:
        await reply(update, context, f"❌ {esc(str(exc))}\nNothing was changed.")
        return
    message = unsubscribe_filter(s, chat_id, flt)
    if message is None:
        current = ", ".join(f"<code>{esc(x)}</code>" for x in s.store.subscriptions(chat_id)) or "none"
        message = (f"❌ This chat is not subscribed to <code>{esc(flt.canonical())}</code>. "
                   f"Current subscriptions: {current}. Nothing was changed.")
    await reply(update, context, message)


async def subs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = register_chat(update, context)
    await reply(update, context, describe_chat(svc(context), chat_id))


# --- /rules with buttons -----------------------------------------------------------------------------
def rule_key(rule_id: str) -> str:
    return stable_id("rule", rule_id, length=12)


def _is_on(s: Services, chat_id: int, spec: str, tags: list[str] | None = None) -> bool:
    subs, excl = s.store.subscriptions(chat_id), set(s.store.exclusions(chat_id))
    if spec in excl or any(f"tag:{t}" in excl for t in (tags or [])):
        return False
    return spec in subs or "all" in subs or any(f"tag:{t}" in subs for t in (tags or []))


def rules_page(s: Services, chat_id: int, page: int) -> tuple[str, InlineKeyboardMarkup]:
    rules = s.catalog.rules()
    disabled = s.catalog.disabled()
    pages = max(1, (len(rules) + PAGE - 1) // PAGE)
    page = max(0, min(page, pages - 1))
    chunk = rules[page * PAGE:(page + 1) * PAGE]
    lines = [f"<b>Rules</b> ({len(rules)}), page {page + 1}/{pages}. Tap to (un)subscribe this chat."]
    buttons = []
    for r in chunk:
        on = _is_on(s, chat_id, r.id, r.tags)
        off = " (disabled)" if r.id in disabled else ""
        tags = f" [{', '.join(esc(t) for t in r.tags)}]" if r.tags else ""
        lines.append(f"{'✅' if on else '▫️'} <code>{esc(r.id)}</code> — {esc(r.title)}{tags} · {esc(r.severity)}{off}")
        buttons.append([InlineKeyboardButton(f"{'✅' if on else '➕'} {r.title[:40]}", callback_data=f"rt:{rule_key(r.id)}")])
    tags = sorted({t for r in rules for t in r.tags})
    tag_buttons = [InlineKeyboardButton(f"{'✅' if _is_on(s, chat_id, 'tag:' + t) else '#'}{t[:20]}",
                                        callback_data=f"tt:{t}" if len(f"tt:{t}".encode()) <= 64 else "noop:")
                   for t in tags[:12]]
    for i in range(0, len(tag_buttons), 3):
        buttons.append(tag_buttons[i:i + 3])
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀️", callback_data=f"rp:{page - 1}"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶️", callback_data=f"rp:{page + 1}"))
    if nav:
        buttons.append(nav)
    if not rules:
        lines.append("No rules are loaded." + (f" ({esc(s.catalog.error)})" if s.catalog.error else ""))
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def rules_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = register_chat(update, context)
    page = int(context.args[0]) - 1 if context.args and context.args[0].isdigit() else 0
    text, markup = rules_page(svc(context), chat_id, page)
    await reply(update, context, text, markup)


def _page_of(s: Services, rule_id: str) -> int:
    ids = [r.id for r in s.catalog.rules()]
    return ids.index(rule_id) // PAGE if rule_id in ids else 0


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callbacks: sub:all, rp:PAGE, rt:RULEKEY (toggle rule), tt:TAG (toggle tag)."""
    s = svc(context)
    query = update.callback_query
    chat_id = register_chat(update, context)
    data = query.data or ""
    kind, _, arg = data.partition(":")
    page = 0
    note = ""
    if kind == "sub":
        note = subscribe_filter(s, chat_id, Filter(all=True))
        await query.answer("Subscribed to all rules")
        await reply(update, context, note)
        return
    if kind == "rp":
        page = int(arg) if arg.isdigit() else 0
        await query.answer()
    elif kind == "rt":
        rule = next((r for r in s.catalog.rules() if rule_key(r.id) == arg), None)
        if rule is None:
            await query.answer("That rule no longer exists.", show_alert=True)
            return
        if _is_on(s, chat_id, rule.id, rule.tags):
            unsubscribe_filter(s, chat_id, Filter(rules=frozenset({rule.id})))
            note = f"Unsubscribed from {rule.id}"
        else:
            s.store.subscribe(chat_id, rule.id)
            note = f"Subscribed to {rule.id}"
        page = _page_of(s, rule.id)
        await query.answer(note)
    elif kind == "tt":
        try:  # button data comes from the client: validated like a typed /subscribe tag:T
            flt = parse_filter([f"tag:{arg}"], catalogue(s))
        except FilterError as exc:
            await query.answer(f"Not a known tag: {exc}"[:200], show_alert=True)
            return
        spec = flt.canonical()
        if _is_on(s, chat_id, spec):
            unsubscribe_filter(s, chat_id, flt)
            note = f"Unsubscribed from {spec}"
        else:
            s.store.subscribe(chat_id, spec)
            note = f"Subscribed to {spec}"
        await query.answer(note)
    else:
        await query.answer()
        return
    text, markup = rules_page(s, chat_id, page)
    if query.message is not None:
        try:
            await context.bot.edit_message_text(text, chat_id=chat_id, message_id=query.message.message_id,
                                                parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:  # "message is not modified" is harmless
            if "not modified" not in exc.message:
                raise
