"""Admin-only: rule file upload (lint → examples → hot-load), /rule_disable, /rule_enable, /rule_test.

Admins are recognised by Telegram user id (``settings.admin_user_ids``), in groups too; everyone
else gets a clear refusal and nothing changes: the command table (commands.py, ``Who.BOT_ADMINS``)
refuses them before these handlers run; an upload is not a command and checks here. Answers go to
the admin's private chat (bot/answer.py).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import ContextTypes

from dementi.bot import rule_admin
from dementi.bot.catalog import set_rule_disabled
from dementi.bot.formatting import esc
from dementi.bot.handlers.common import refuse_non_admin, register_chat, reply_admin as reply
from dementi.bot.services import svc
from dementi.rules.examples import run_examples

log = logging.getLogger(__name__)


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    doc = update.effective_message.document
    name = doc.file_name or "uploaded.yaml"
    if not name.lower().endswith((".yaml", ".yml")):
        return  # not a rule file: other documents in a group are none of our business
    register_chat(update, context)
    if await refuse_non_admin(update, context):
        return
    s = svc(context)
    if (doc.file_size or 0) > rule_admin.MAX_RULE_FILE:
        await reply(update, context, f"❌ {esc(name)} is larger than {rule_admin.MAX_RULE_FILE // 1024} KB.")
        return
    tg_file = await context.bot.get_file(doc.file_id)
    content = bytes(await tg_file.download_as_bytearray())
    check = await asyncio.to_thread(rule_admin.check_upload, name, content, s.settings.rules_dir,
                                    s.settings.gazetteers_dir)
    if not check.ok:
        lines = [f"❌ <b>{esc(check.file_name)}</b> was NOT installed:"] + [f"• {esc(e)}" for e in check.errors[:20]]
        if len(check.errors) > 20:
            lines.append(f"… and {len(check.errors) - 20} more")
        await reply(update, context, "\n".join(lines))
        return
    path = rule_admin.install(check, content, s.settings.rules_dir)
    s.catalog.reload(force=True)
    log.info("admin %s installed rule file %s (%s)", update.effective_user.id, path,
             ", ".join(i for i, _ in check.rules))
    lines = [f"✅ <b>{esc(check.file_name)}</b> installed; the worker picks it up on its next reload."]
    lines += [f"• <code>{esc(i)}</code> — {esc(t)}" for i, t in check.rules]
    if check.examples:
        lines.append(f"Examples: {len(check.examples)} passed")
    await reply(update, context, "\n".join(lines))


async def _toggle(update: Update, context: ContextTypes.DEFAULT_TYPE, disable: bool) -> None:
    register_chat(update, context)
    s = svc(context)
    command = "/rule_disable" if disable else "/rule_enable"
    if len(context.args or []) != 1:
        await reply(update, context, f"❌ Usage: {command} RULE_ID. Nothing was changed.")
        return
    rule_id = context.args[0]
    known = {r.id for r in s.catalog.rules()}
    if rule_id not in known and not (not disable and rule_id in s.catalog.disabled()):
        await reply(update, context, f"❌ Unknown rule <code>{esc(rule_id[:120])}</code>; see /rules. Nothing was changed.")
        return
    changed = set_rule_disabled(s.settings.data_dir, rule_id, disable, update.effective_user.id)
    state = "disabled" if disable else "enabled"
    log.info("admin %s %s rule %s", update.effective_user.id, state, rule_id)
    await reply(update, context, (f"✅ Rule <code>{esc(rule_id)}</code> {state}." if changed
                                  else f"ℹ️ Rule <code>{esc(rule_id)}</code> was already {state}."))


async def rule_disable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _toggle(update, context, True)


async def rule_enable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _toggle(update, context, False)


async def rule_test(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Dry run: the rule's own examples, then the last N articles on the articles topic."""
    register_chat(update, context)
    s = svc(context)
    args = context.args or []
    if not 1 <= len(args) <= 2 or (len(args) == 2 and not (args[1].isdigit() and 1 <= int(args[1]) <= 2000)):
        await reply(update, context, "❌ Usage: /rule_test RULE_ID [N articles, 1-2000]. Nothing was run.")
        return
    rule_id, n = args[0], int(args[1]) if len(args) == 2 else 200
    try:
        engine = await asyncio.to_thread(s.catalog.get_engine)
    except Exception as exc:  # noqa: BLE001 - a broken rules dir is reported, not raised
        await reply(update, context, f"❌ The rules do not load: {esc(str(exc)[:500])}")
        return
    rule = engine.rule(rule_id)
    if rule is None:
        await reply(update, context, f"❌ Unknown rule <code>{esc(rule_id[:120])}</code>; see /rules.")
        return
    lines = [f"🧪 <b>{esc(rule_id)}</b> — {esc(rule.title)}"]
    examples = await asyncio.to_thread(run_examples, engine, {rule_id})
    if examples:
        lines.append(f"Examples: {sum(ex.passed for ex in examples)}/{len(examples)} as expected")
    articles = await asyncio.to_thread(rule_admin.recent_articles, s.settings, n)
    hits = await asyncio.to_thread(rule_admin.dry_run, engine, rule_id, articles)
    lines.append(f"Last {len(articles)} article(s): {len(hits)} would alert.")
    for article, sentence in hits[:5]:
        lines.append(f"• {esc(article.title[:100])}: « {esc(sentence[:200])} »")
    await reply(update, context, "\n".join(lines))
