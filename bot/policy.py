"""Who the bot serves and what a chat may see: one place for the subscription policy.

``DEMENTI_SUBSCRIPTION_POLICY=allowlist`` serves only ``DEMENTI_ALLOWED_CHAT_IDS`` and the private
chats of admins (a private chat's id is its user's id). The same answer is used for every command
and button (``handlers/gate.py``) and for every routing decision (the ``Allowed`` routing stage),
so a chat removed from the list stops receiving alerts at once, even with subscriptions left over.

A chat may explain or vote on an alert only if that alert was routed to it (a stored routing
decision exists, whatever its status: sent, edited into its story's message, muted, held for a
digest...), and see or mute a story only if the story was routed to it. Alert ids are computable from public
URLs, so "I know the id" proves nothing.
"""

from __future__ import annotations

from dementi.settings import Settings


def chat_served(settings: Settings, chat_id: int) -> bool:
    if settings.subscription_policy != "allowlist":
        return True
    return chat_id in settings.allowed_chat_ids or chat_id in settings.admin_user_ids


def alert_visible(store, chat_id: int, alert_id: str) -> bool:
    """True when ``alert_id`` was routed to ``chat_id`` (``store``: bot.store.Store)."""
    return any(chat == chat_id for chat, _, _ in store.alert_routes(alert_id))


def story_visible(store, chat_id: int, story_id: str) -> bool:
    """True when story ``story_id`` was routed to ``chat_id`` (a message, a digest entry, a mute...)."""
    return store.story_routed(story_id, chat_id)
