"""Public notice pages and the RSS/Atom feeds (feedgen): published by being sent, no subscriber."""

from __future__ import annotations

from . import Channel, Preview, register, render


class WebChannel(Channel):
    name = "web"
    label = "ホームページ・RSS/Atom"
    per_subscriber = False

    def preview(self, notice, language: str) -> Preview:
        text = render.plain(notice, language)
        return Preview(self.name, self.label, language, subject=render.title(notice, language), text=text, size=len(text))


def feed(notices, *, kind: str = "atom", base_url: str, municipality=None) -> bytes:
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    name = municipality.name if municipality else ""
    fg.id(base_url + "/alerts/")
    fg.title(f"{name} お知らせ・緊急情報")
    fg.subtitle(f"{name}からのお知らせ・緊急情報")
    fg.link(href=base_url + "/alerts/", rel="alternate")
    fg.link(href=f"{base_url}/alerts/feed.{kind}", rel="self")
    fg.language("ja")
    fg.author({"name": name or "Madoguchi"})
    for notice in reversed(list(notices)):
        fe = fg.add_entry()
        url = render.notice_url(notice)
        fe.id(f"urn:uuid:{notice.identifier}")
        fe.title(render.title(notice, "ja"))
        fe.link(href=url)
        fe.content(notice.body, type="text") if kind == "atom" else fe.description(notice.body)
        fe.published(notice.sent_at)
        fe.updated(notice.sent_at)
        if notice.topic_id:
            fe.category(term=notice.topic.slug, label=notice.topic.name)
    return fg.atom_str(pretty=True) if kind == "atom" else fg.rss_str(pretty=True)


register(WebChannel())
