"""The fixture mailbox: template outreach (smile), genuine notes (personal), newsletters (bulk) and
a message with no text, each carrying a canary word that must never reach a state file."""

from __future__ import annotations

from batch_exports import PERSONAL, email

CANARY = "quokkalantern"
COMPANIES = ["Northwind Labs", "Acme", "Globex", "Initech"]
TEMPLATE = ("Hi Dana,\n\nI came across {company} and was really impressed by what you're building. We help teams like "
            "yours cut churn by 30% in 90 days. Would you be open to a quick 15-minute call next week? " + CANARY +
            "\n\nBest,\nAlex")
NOTES = [
    PERSONAL + " " + CANARY,
    "Dana! found your blue scarf in my car after the concert on saturday, I'll drop it off tomorrow after work. " + CANARY,
    "Hey Dana, mum says the ferry is cancelled so we'll drive up Friday night instead. Can you pick up the cake? " + CANARY,
]
NEWSLETTER = ("This month: three new integrations, a pricing update and our winter webinar schedule. You are receiving "
              "this because you subscribed to the Globex newsletter. Unsubscribe: https://news.example.com/u/{n} " + CANARY)
BROKEN = ("From: a@b.example\nTo: dana@example.com\nSubject: \nMIME-Version: 1.0\n"
          'Content-Type: multipart/mixed; boundary="XYZ"\n\n--XYZ\nContent-Type: image/png; name="' + CANARY + '.png"\n'
          "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--XYZ--\n")
"""A message with nothing to score (an image alone, no subject): the error row every mail reader owes."""


def template(i: int) -> bytes:
    return email(i, TEMPLATE.format(company=COMPANIES[i % len(COMPANIES)]),
                 sender=f"Alex Sales <alex{i}@vendor.example>").encode()


def note(i: int) -> bytes:
    return email(i, NOTES[i % len(NOTES)], sender="Sam Friend <sam@friends.example>").encode()


def newsletter(i: int) -> bytes:
    return email(i, NEWSLETTER.format(n=i), sender="Globex News <news@globex.example>",
                 headers="List-Unsubscribe: <https://news.example.com/u>\nPrecedence: bulk\n").encode()


def textless(i: int) -> bytes:
    return BROKEN.encode()


def inbox(n: int = 12) -> tuple[list[bytes], dict[int, str]]:
    """n messages (a third templates, then notes, newsletters and one with no text in turn) and the
    Maildir flags of some: seen, replied, flagged, so tests can tell that a scan changes none."""
    makers = [template, note, template, newsletter, template, note, textless]
    messages = [makers[i % len(makers)](1000 + i) for i in range(n)]
    return messages, {0: "S", 1: "RS", 3: "F", 5: "S"}
