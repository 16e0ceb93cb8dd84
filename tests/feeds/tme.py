"""A ``t.me/s/CHANNEL`` web preview page, written for the tests: the element structure and class
names of Telegram's public channel preview (channel header, history section, one bubble per post
with ``data-post``, text, reply quote, forward header, views and a dated permalink), with invented
channels and posts. ``layout="redesigned"`` renames the classes, as a redesign by Telegram would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape


@dataclass
class Post:
    id: int
    text_html: str  # the post's text as Telegram renders it (<br/>, <a>, <b>...)
    date: datetime
    views: str = "1.2K"
    edited: bool = False
    forwarded_from: str | None = None
    reply_to: tuple[int, str] | None = None  # (post id, quoted text)
    media_only: bool = False
    service: bool = False


def _post(channel: str, post: Post, cls: dict[str, str]) -> str:
    stamp = post.date.isoformat()
    if post.service:
        return (f'<div class="{cls["wrap"]} js-widget_message_wrap"><div class="{cls["message"]} service_message '
                f'js-widget_message" data-post="{channel}/{post.id}"><div class="tgme_widget_message_bubble">'
                f'<div class="tgme_widget_service_strong_text">Channel photo updated</div>'
                f'<a class="{cls["date"]}" href="https://t.me/{channel}/{post.id}"><time datetime="{stamp}">'
                f'{post.date:%H:%M}</time></a></div></div></div>')
    parts = [f'<div class="{cls["wrap"]} js-widget_message_wrap">',
             f'<div class="{cls["message"]} text_not_supported_wrap js-widget_message" data-post="{channel}/{post.id}" '
             f'data-view="eyJjIjotMTAwMTIzNDU2Nzg5MCwicCI6MTAxfQ">',
             f'<div class="tgme_widget_message_user"><a href="https://t.me/{channel}"><i class="tgme_widget_message_user_photo '
             f'bgcolor2" data-content="M"></i></a></div>',
             '<div class="tgme_widget_message_bubble"><i class="tgme_widget_message_bubble_tail"></i>',
             f'<div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" '
             f'href="https://t.me/{channel}"><span dir="auto">{escape(channel)}</span></a></div>']
    if post.forwarded_from:
        parts.append(f'<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from '
                     f'<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/{post.forwarded_from}/7">'
                     f'<span dir="auto">{escape(post.forwarded_from)}</span></a></div>')
    if post.reply_to:
        parts.append(f'<a class="tgme_widget_message_reply" href="https://t.me/{channel}/{post.reply_to[0]}">'
                     f'<div class="tgme_widget_message_author accent_color"><span class="tgme_widget_message_author_name">'
                     f'{escape(channel)}</span></div><div class="tgme_widget_message_text js-message_reply_text" dir="auto">'
                     f'{escape(post.reply_to[1])}</div></a>')
    if post.media_only:
        parts.append('<a class="tgme_widget_message_photo_wrap" style="background-image:url(\'https://cdn.example/p.jpg\')" '
                     f'href="https://t.me/{channel}/{post.id}"></a>')
    else:
        parts.append(f'<div class="{cls["text"]} js-message_text" dir="auto">{post.text_html}</div>')
    edited = '<span class="tgme_widget_message_edited">edited</span> ' if post.edited else ""
    parts.append(f'<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info '
                 f'short js-message_info"><span class="tgme_widget_message_views">{post.views}</span><span class="copyonly"> '
                 f'views</span><span class="tgme_widget_message_meta">{edited}<a class="{cls["date"]}" '
                 f'href="https://t.me/{channel}/{post.id}"><time datetime="{stamp}" class="time">{post.date:%H:%M}</time>'
                 f'</a></span></div></div></div></div></div>')
    return "".join(parts)


CLASSES = {
    "telegram": {"history": "tgme_channel_history", "wrap": "tgme_widget_message_wrap",
                 "message": "tgme_widget_message", "text": "tgme_widget_message_text",
                 "date": "tgme_widget_message_date", "title": "tgme_channel_info_header_title"},
    # What a redesign could look like: same content, other class names.
    "redesigned": {"history": "tg-feed", "wrap": "tg-post-wrap", "message": "tg-post", "text": "tg-post__text",
                   "date": "tg-post__date", "title": "tg-channel__title"},
}


def channel_page(channel: str, title: str, posts: list[Post], *, layout: str = "telegram") -> bytes:
    cls = CLASSES[layout]
    body = "".join(_post(channel, p, cls) for p in posts)
    return f"""<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>{escape(title)} – Telegram</title>
    <meta property="og:title" content="{escape(title)}">
    <meta property="og:description" content="Official channel (invented for tests).">
    <link rel="canonical" href="https://t.me/s/{channel}">
  </head>
  <body class="widget_frame_base tgme_webpreview_body">
    <header class="tgme_header"><div class="tgme_header_info"><div class="tgme_header_title">{escape(title)}</div></div></header>
    <main class="tgme_main">
      <div class="tgme_channel_info"><div class="{cls['title']}"><span dir="auto">{escape(title)}</span></div>
        <div class="tgme_channel_info_description">Official channel (invented for tests).</div></div>
      <section class="{cls['history']} js-message_history">
        <div class="tme_messages_more js-messages_more" data-before="{posts[0].id if posts else 1}"></div>
        {body}
      </section>
    </main>
  </body>
</html>""".encode("utf-8")
