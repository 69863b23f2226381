"""Fixture pages with the structure of a Gmail conversation and a LinkedIn messaging thread.

Each page comes in two versions whose generated class names (and some wrapper elements) differ, the
way Gmail and LinkedIn rename their hashed classes between releases: the extension must read both
from ARIA labels, data-* attributes, the URL and document structure alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from html import escape

ME_NAME, ME_EMAIL = "Dana Whitfield", "dana.whitfield@acme-robotics.com"


def avatar(name: str, size: int) -> str:
    """An inline picture with the person's initials (the fixture pages load nothing from elsewhere)."""
    initials = "".join(part[0] for part in name.split()[:2])
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}'><circle cx='50%' cy='50%' r='50%' "
           f"fill='%237a8ca3'/><text x='50%' y='54%' font-family='Arial' font-size='{size * 0.4:.0f}' fill='white' "
           f"text-anchor='middle' dominant-baseline='middle'>{initials}</text></svg>")
    return f'<img alt="{escape(name)}" width="{size}" height="{size}" src="data:image/svg+xml,{escape(svg)}">'



@dataclass(frozen=True)
class Message:
    sender_name: str
    body: str
    sender_email: str = ""
    profile: str = ""  # LinkedIn /in/ slug
    id: str = ""
    subject: str = ""  # an InMail's subject
    when: str = "9:14 AM"


@dataclass(frozen=True)
class Conversation:
    thread: str
    subject: str
    messages: list[Message] = field(default_factory=list)


TEMPLATE_BODY = (
    "Hi Dana,\n\nI came across your profile and noticed that Acme Robotics is growing fast. Many CTOs like you "
    "struggle to scale their engineering teams without slowing down delivery.\n\nWe help companies like Acme "
    "Robotics hire vetted senior developers in under 2 weeks, at a fraction of the cost.\n\nWould you be open to "
    "a quick 15-minute call next Tuesday?\n\nBest,\nSam Seller\nGrowthPipe"
)
SAM = {"sender_name": "Sam Seller", "sender_email": "sam@growthpipe.io"}

GMAIL = {
    "template": Conversation("FMfcgzQXKtemplate", "Quick question about Acme Robotics", [
        Message(**SAM, id="18c1a2b3c4d5e6f7", body=TEMPLATE_BODY)]),
    "followup": Conversation("FMfcgzQXKfollowup", "Re: Quick question about Acme Robotics", [
        Message(**SAM, id="18c1a2b3c4d5e7a1", body=(
            "Hi Dana,\n\nI wanted to follow up on my previous email. I came across your profile and think Acme "
            "Robotics could benefit from our vetted senior developers. Would you be open to a quick 15-minute call "
            "this week?\n\nBest,\nSam Seller\nGrowthPipe"))]),
    "genuine": Conversation("FMfcgzQXKgenuine", "your tent", [
        Message("Leo Park", sender_email="leo.park@fastmail.example", id="18c1a2b3c4d5e8b2", body=(
            "Dana, thanks again for lending us the tent last weekend. The zipper on the left door sticks a little, "
            "so I rubbed some candle wax on it before we packed it back into the bag. Mira still talks about the owl "
            "we heard on Saturday night.\n\nAre we still on for pho on Thursday after her recital? I can pick you up "
            "at 7 if your car is still at the garage.\n\nLeo"))]),
    "newsletter": Conversation("FMfcgzQXKnewsletter", "The Robotics Weekly #142: warehouse arms, LiDAR prices, and a new ROS release", [
        Message("The Robotics Weekly", sender_email="newsletter@roboticsweekly.example", id="18c1a2b3c4d5eBe5", body=(
            "The Robotics Weekly, issue 142\n\nThis week: warehouse picking arms get cheaper, solid-state LiDAR prices "
            "fall again, and ROS 2 Kilted ships with faster message passing.\n\n1. Warehouse arms under $20k: three "
            "vendors cut prices at ProMat.\n2. LiDAR: solid-state units now sell for under $300 in volume.\n3. ROS 2 "
            "Kilted Kaiju: what changed and how to upgrade.\n\nRead the full issue on our website.\n\nYou are receiving "
            "this email because you subscribed to The Robotics Weekly. Unsubscribe or manage your preferences. The "
            "Robotics Weekly, 100 Main St, Boston MA."))]),
    "reply": Conversation("FMfcgzQXKreply", "Q3 review slides", [
        Message(ME_NAME, sender_email=ME_EMAIL, id="18c1a2b3c4d5e9c3", when="Mon, 4:02 PM", body=(
            "Hi Jordan, could you send me the slides from Monday's Q3 review, with the Berlin numbers and the hiring "
            "plan? Thanks, Dana")),
        Message("Jordan Lee", sender_email="jordan.lee@acme-robotics.com", id="18c1a2b3c4d5eAd4", body=(
            "Hi Dana,\n\nHere are the slides from Monday's Q3 review. The Berlin numbers are on slide 14; Marta "
            "updated them yesterday so they include the October hires. I left out the hiring plan slide you asked "
            "about because finance has not signed it off yet.\n\nJordan"))]),
}

PRIYA = {"sender_name": "Priya Raman", "profile": "priya-raman-talent"}
LINKEDIN = {
    "2-SW5NYWlsVGVtcGxhdGU": Conversation("2-SW5NYWlsVGVtcGxhdGU", "Priya Raman", [
        Message(**PRIYA, id="urn:li:msg_message:(urn:li:fsd_profile:ACoAAB1,2-SW5NYWlsVGVtcGxhdGU_1)",
                subject="Scaling engineering at Acme Robotics", body=(
                    "Hi Dana, I came across your profile and was impressed by your experience as CTO at Acme "
                    "Robotics. I help leaders like you build high-performing engineering teams with vetted remote "
                    "developers. Would you be open to a quick 15-minute call this week to explore how we could help "
                    "Acme Robotics grow? Best regards, Priya"))]),
    "2-Q2xpbWJpbmdUb20": Conversation("2-Q2xpbWJpbmdUb20", "Tom Becker", [
        Message(ME_NAME, profile="dana-whitfield", id="urn:li:msg_message:(urn:li:fsd_profile:ACoAAB2,2-Q2xpbWJpbmdUb20_1)",
                when="Yesterday", body="Tom! Did the robot arm demo at the fair work in the end? How is the shoulder?"),
        Message("Tom Becker", profile="tom-becker-42", id="urn:li:msg_message:(urn:li:fsd_profile:ACoAAB3,2-Q2xpbWJpbmdUb20_2)",
                body="Ha, yes! The robot arm demo finally worked on the third try. I'll send you the video tonight."),
        Message("Tom Becker", profile="tom-becker-42", id="urn:li:msg_message:(urn:li:fsd_profile:ACoAAB3,2-Q2xpbWJpbmdUb20_3)",
                body="And let's do the climbing gym on Sunday if your shoulder is better."),
    ]),
}


class Classes:
    """Generated class names, different in each fixture version (like a site's hashed CSS classes)."""

    def __init__(self, version: int):
        self.version = version

    def __getattr__(self, role: str) -> str:
        digest = hashlib.sha256(f"{self.version}:{role}".encode()).hexdigest()
        return f"{chr(97 + int(digest[0], 16))}{digest[1:5]} {chr(97 + int(digest[5], 16))}{digest[6:9]}"


def _paragraphs(text: str, tag: str, cls: str) -> str:
    return "".join(f'<{tag} class="{cls}">{escape(p).replace(chr(10), "<br>")}</{tag}>' for p in text.split("\n\n"))


def _page(title: str, css: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>body{{margin:0;font:14px/1.5 Arial,sans-serif;color:#202124}}{css}</style></head><body>{body}</body></html>")


def gmail_page(case: str, version: int) -> str:
    """A Gmail conversation view: account button, subject line, one block per message."""
    conversation, c = GMAIL[case], Classes(version)
    wrap = (lambda inner: f'<div class="{c.wrap}">{inner}</div>') if version == 2 else (lambda inner: inner)
    messages = []
    for m in conversation.messages:
        header = (
            f'<table class="{c.header}" role="presentation"><tbody><tr><td class="{c.senderCell}">'
            f'<h3 class="{c.h3}"><span class="{c.qu}"><span class="{c.gD}" email="{m.sender_email}" name="{escape(m.sender_name)}" '
            f'data-hovercard-id="{m.sender_email}">{escape(m.sender_name)}</span> <span class="{c.go}">&lt;{m.sender_email}&gt;</span></span></h3>'
            f'</td><td class="{c.date}"><span title="{m.when}">{m.when}</span></td></tr>'
            f'<tr><td class="{c.to}">to <span email="{ME_EMAIL}" name="me">me</span></td></tr></tbody></table>')
        body = f'<div class="{c.ii}"><div class="{c.a3s}" dir="ltr">{_paragraphs(m.body, "div", c.para)}</div></div>'
        messages.append(
            f'<div class="{c.adn}" role="listitem" data-message-id="#msg-f:{int(m.id, 16)}" data-legacy-message-id="{m.id}">'
            f'<div class="{c.gs}">{wrap(header)}{wrap(body)}</div></div>')
    css = (f".{c.topbar.split()[0]}{{display:flex;align-items:center;justify-content:space-between;padding:8px 16px;background:#f6f8fc}}"
           f".{c.main.split()[0]}{{margin:0 0 0 220px;padding:16px 24px;max-width:780px}}"
           f".{c.nav.split()[0]}{{position:fixed;left:0;top:56px;width:200px;padding:12px}}"
           f".{c.adn.split()[0]}{{border-top:1px solid #e0e0e0;padding:12px 0}}"
           f".{c.subject.split()[0]}{{font-size:22px;font-weight:400;margin:8px 0;display:inline}}"
           f".{c.h3.split()[0]}{{font-size:14px;margin:0}}.{c.go.split()[0]}{{color:#5f6368;font-weight:400}}"
           f".{c.date.split()[0]}{{color:#5f6368;font-size:12px;text-align:right}}.{c.header.split()[0]}{{width:100%}}"
           f".{c.to.split()[0]}{{color:#5f6368;font-size:12px}}.{c.para.split()[0]}{{margin:0 0 10px}}")
    body = (
        f'<header class="{c.topbar}"><span class="{c.logo}">Gmail</span>'
        f'<a class="{c.account}" role="button" href="https://accounts.google.com/SignOutOptions?hl=en" '
        f'aria-label="Google Account: {ME_NAME}  &#10;({ME_EMAIL})">DW</a></header>'
        f'<div class="{c.nav}" role="navigation"><div>Inbox</div><div>Starred</div><div>Sent</div></div>'
        f'<div class="{c.main}" role="main"><div class="{c.subjectRow}">'
        f'<h2 class="{c.subject}" data-thread-perm-id="thread-f:{int(hashlib.sha256(conversation.thread.encode()).hexdigest()[:15], 16)}" '
        f'data-legacy-thread-id="{conversation.thread}">{escape(conversation.subject)}</h2></div>'
        f'<div role="list">{"".join(messages)}</div></div>')
    return _page(f"{conversation.subject} - {ME_EMAIL} - Gmail", css, body)


def linkedin_page(thread: str, version: int) -> str:
    """A LinkedIn messaging thread: top bar with the user's photo, conversation list, message groups."""
    conversation, c = LINKEDIN[thread], Classes(version)
    items, previous = [], None
    for m in conversation.messages:
        meta = ""
        if m.sender_name != previous:
            meta = (f'<div class="{c.meta}"><a class="{c.photo}" href="https://www.linkedin.com/in/{m.profile}/">'
                    f'{avatar(m.sender_name, 32)}</a>'
                    f'<a class="{c.name}" href="/in/{m.profile}/"><span class="{c.nameText}">{escape(m.sender_name)}</span></a>'
                    f' <time class="{c.time}">{m.when}</time></div>')
        previous = m.sender_name
        subject = f'<h3 class="{c.inmailSubject}">{escape(m.subject)}</h3><span class="{c.label}">InMail</span>' if m.subject else ""
        event = f'<div class="{c.event}" data-event-urn="{escape(m.id)}">{subject}{_paragraphs(m.body, "p", c.body)}</div>'
        if version == 2:
            event = f'<div class="{c.eventWrap}">{event}</div>'
        items.append(f'<li class="{c.item}">{meta}{event}</li>')
    others = "".join(f'<li class="{c.convItem}"><a href="/messaging/thread/{t}/">{avatar(v.subject, 24)} '
                     f'<span>{escape(v.subject)}</span></a></li>' for t, v in LINKEDIN.items())
    css = (f".{c.nav.split()[0]}{{display:flex;gap:16px;padding:8px 24px;background:#fff;border-bottom:1px solid #ddd}}"
           f".{c.layout.split()[0]}{{display:flex;max-width:1100px;margin:16px auto}}"
           f".{c.conversations.split()[0]}{{width:280px;border-right:1px solid #ddd;list-style:none;padding:0}}"
           f".{c.thread.split()[0]}{{flex:1;padding:0 24px}}.{c.list.split()[0]}{{list-style:none;padding:0}}"
           f".{c.item.split()[0]}{{margin:10px 0}}.{c.name.split()[0]}{{font-weight:600;color:#000;text-decoration:none}}"
           f".{c.time.split()[0]}{{color:#666;font-size:12px}}.{c.inmailSubject.split()[0]}{{font-size:16px;margin:6px 0}}"
           f".{c.label.split()[0]}{{font-size:11px;color:#915907}}.{c.body.split()[0]}{{margin:4px 0 4px 40px}}")
    body = (
        f'<header><nav class="{c.nav}" aria-label="Primary Navigation"><a href="/feed/">Home</a><a href="/mynetwork/">My Network</a>'
        f'<a href="/messaging/">Messaging</a><button class="{c.me}" type="button">{avatar(ME_NAME, 24)}<span>Me</span></button></nav></header>'
        f'<main class="{c.layout}" id="main"><ul class="{c.conversations}">{others}</ul>'
        f'<section class="{c.thread}"><h2 class="{c.threadTitle}">'
        f'<a href="/in/{conversation.messages[-1].profile}/">{escape(conversation.subject)}</a></h2>'
        f'<ul class="{c.list}" role="list">{"".join(items)}</ul></section></main>')
    return _page("Messaging | LinkedIn", css, body)
