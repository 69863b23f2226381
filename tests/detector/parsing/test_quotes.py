"""Reply/forward splitting: the hint-guided search must never change what quotequail finds."""

import pytest
import quotequail

import detector.parsing.quotes as quotes

REPLIES = [
    "Sounds good, see you then.\n\nOn Mon, Mar 3, 2025 at 9:12 AM Ana Ruiz <ana@x.org> wrote:\n> Lunch Thursday?\n> Ana",
    "Passt!\n\nAm 03.03.2025 um 09:12 schrieb Ana Ruiz <ana@x.org>:\n> Mittagessen am Donnerstag?",
    "D'accord.\n\nLe 3 mars 2025 à 09:12, Ana Ruiz <ana@x.org> a écrit :\n> Déjeuner jeudi ?",
    "See below.\n\n-----Original Message-----\nFrom: Ana Ruiz\nSent: Monday, March 3, 2025 9:12 AM\n"
    "To: Ben Ode\nSubject: lunch\n\nLunch Thursday?",
    "FYI\n\nBegin forwarded message:\n\nFrom: Ana Ruiz <ana@x.org>\nDate: 3 March 2025\nSubject: lunch\n"
    "To: Ben <ben@x.org>\n\nLunch Thursday?",
    "Thoughts?\n\n---------- Forwarded message ---------\nFrom: Ana Ruiz <ana@x.org>\nDate: Mon, Mar 3\n"
    "Subject: lunch\nTo: Ben <ben@x.org>\n\nLunch Thursday?",
    "Agreed\n\n________________________________\nFrom: Ana Ruiz\nSent: Monday\nTo: Ben\nSubject: lunch\n\nThursday?",
    "Yes!\n\n> Lunch Thursday?\n> Ana\n",
]
PLAIN = [
    "Hi Ben,\n\nThanks for the notes from Thursday, the second draft reads much better.\n\nAna",
    "Hi Ben, loved your post about the Q3 roadmap. Do you have 15 minutes next week?",
    "",
]
TRAPS = [
    # A hint word early in the text, the real reply marker much later.
    "I wrote the report.\n" + "More news about the project.\n" * 40 + "\nOn Mon, Mar 3, 2025 Ana <a@x.org> wrote:\n> ok",
    # A reply marker wrapped over two lines: the hint is on the second.
    "Fine by me.\n\nOn Mon, Mar 3, 2025 at 9:12 AM Ana Ruiz <ana@x.org>\nwrote:\n> Lunch?\n> Ana",
    # Header-like lines (one not a known header, a blank between) above the first known header.
    "See the notes.\n\nNote: for the record\nX-Ref: 12\n\nFrom: Ana\nTo: Ben\n\nLunch Thursday?",
    "Header-like only.\nAgenda: lunch\nTo: Ben",
    # Quote marks that are not three quoted lines; a date that is no marker.
    "> one quoted line\ntext\n> another\nthe 2025/03/03 run was fine",
    "Upper-case hints.\n\nON MON, MAR 3, 2025 ANA <A@X.ORG> WROTE:\n> LUNCH?\n\n-----ORIGINAL MESSAGE-----\nFROM: A\nTO: B",
    "Ünïcödé İstanbul line first\n\nOn Mon, Mar 3, 2025 Ana <a@x.org> wrote:\n> ok",
]


@pytest.mark.parametrize("body", REPLIES + PLAIN + TRAPS)
def test_hint_guided_search_gives_what_quotequail_gives(body):
    assert quotes._unwrap(body) == quotequail.unwrap(body)


@pytest.mark.parametrize("body", REPLIES)
def test_replies_and_forwards_keep_only_the_new_text(body):
    split = quotes.split(body)
    assert split.quoted
    assert "Thursday" not in split.new_text and "Mittagessen" not in split.new_text
    assert "Déjeuner" not in split.new_text


@pytest.mark.parametrize("body", PLAIN)
def test_plain_messages_are_all_new_text(body):
    split = quotes.split(body)
    assert split.new_text == body.rstrip() and split.quoted is None


@pytest.mark.parametrize("footer", [
    "Get your private, free email at http://www.hotmail.com",
    "Do You Yahoo!?\nGet your free @yahoo.co.uk address at http://mail.yahoo.co.uk",
])
def test_webmail_footers_are_not_the_senders_text(footer):
    split = quotes.split(f"yo bro. this is my new email address. save it.\nlove you, lacy\n{footer}")
    assert split.new_text == "yo bro. this is my new email address. save it.\nlove you, lacy"
    assert split.signature == footer
