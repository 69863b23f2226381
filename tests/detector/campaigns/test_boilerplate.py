"""What one sender repeats in every note (signature, disclaimer, attachment notes, passed-on
headers) does not make two of his notes copies of one template."""

import pytest

from detector.campaigns.boilerplate import FOOTER_LIST_WITHIN, PASSED_ON_WITHIN, own_text
from detector.campaigns.fingerprint import fingerprint
from detector.campaigns.stores.memory import MemoryCampaignStore
from detector.engine import prepare

SIGNATURE = ("\n\nCarol St. Clair\nEB 4539\n713-853-3989 (phone)\n713-646-8537 (fax)\n281-382-1943 (cell phone)\n"
             "carol.st.clair@enron.com\n")
DISCLAIMER = ("This e-mail is the property of Enron Corp. and/or its relevant affiliate and may contain confidential "
              "and privileged material for the sole use of the intended recipient(s). Any review, use, distribution "
              "or disclosure by others is strictly prohibited. If you are not the intended recipient (or authorized "
              "to receive for the recipient), please contact the sender or reply to Enron Corp. and delete all "
              "copies of the message. This e-mail (and any attachments hereto) are not intended to be an offer.")
NOTES = [
    ("Netting", "{first}, the master netting assignments went out to the three counterparties this morning and "
                "legal signed off on the cross-default language."),
    ("Kinder Morgan", "{first}, attached is the Kinder Morgan letter with our comments on the guaranty; can you "
                      "look at section four before Friday?"),
]


def note(i: int, first: str, subject: str, body: str) -> dict:
    return {"id": f"n{i}", "channel": "email", "subject": subject,
            "body": body.format(first=first) + SIGNATURE + "\n" + DISCLAIMER,
            "recipient": {"first_name": first, "email": f"{first.lower()}@example.org"},
            "sender": {"name": "Carol St. Clair"}}


def test_notes_sharing_a_signature_and_disclaimer_are_not_linked(registry):
    records = [note(i, first, *n) for i, (first, n) in enumerate(zip(("Louise", "John"), NOTES, strict=False))]
    fps = [fingerprint(*prepare(r, registry)) for r in records]
    assert all(fps)
    assert MemoryCampaignStore().link(fps) == [None, None]
    assert not {"enron", "property", "phone"} & set(fps[0].tokens)


def test_own_text_blanks_what_the_sender_did_not_write_for_this_note():
    text = ("Meter 7268\n\nLauri, I put this on strangas gas until I get a contract from Daren.\n"
            "(see attached file: hplo 215.xls)\n- hplo 215.xls\n\nKimberly Vaughn\n12/10/99 02:54 pm\n"
            "To: Lauri A Allen/HOU/ECT@ECT\nSubject: meter 7268\nthe earlier note")
    own = own_text(text)
    assert len(own) == len(text)
    assert own.split() == "Meter 7268 Lauri, I put this on strangas gas until I get a contract from Daren.".split()
    disclaimer = "Thanks, see you Monday at the plant.\n\n" + DISCLAIMER
    assert own_text(disclaimer).split() == "Thanks, see you Monday at the plant.".split()


@pytest.mark.parametrize("lead, marker, within", [
    ("", "on 03/14/2001 12:32 PM", PASSED_ON_WITHIN),
    ("> * ", "to unsubscribe from this group, send an email to", FOOTER_LIST_WITHIN),
])
def test_passed_on_and_list_lines_count_only_near_their_line_start(lead, marker, within):
    """A forwarding line or a list notice is recognised when it starts at most `within` characters
    into its line (after any quote marks): further in, it is the writer's own sentence."""
    note = "Thanks, I will send the figures tomorrow.\n"
    for offset, blanked in ((within, True), (within + 1, False)):
        text = note + lead + "x" * (offset - 1) + " " + marker
        assert (own_text(text) == note + " " * (len(text) - len(note))) is blanked, offset


def test_a_routine_line_of_dates_and_file_names_is_not_fingerprinted(registry):
    record = {"id": "r", "channel": "email", "subject": "hpl noms for february 15, 2000",
              "body": "(see attached file: hplo 215.xls)\n - hplo 215.xls", "recipient": {"name": "Daren Farmer"}}
    assert fingerprint(*prepare(record, registry)) is None


def test_copies_to_one_reader_link_only_when_near_identical_with_the_same_figures(registry):
    """Nothing of the reader varies between them, so shared routine wording is not enough; and a
    routine report's next issue (same wording, new date) is a new message, not a copy."""
    common = ("Following please find the daily EnronOnline executive summary for {day}. Note: the executive summary "
              "transaction counts have been reduced to reflect the removal of sleeve trade activity.")
    extra = [" Gas was down on the holiday.",
             " Please call Lindsay if the attachment does not open; the new web report replaces it next month, "
             "together with the weekly credit exposure tables and the counterparty watch list."]
    days_and_tails = [("October 30", ""), ("October 31", ""), ("October 31", extra[0]), ("November 2", extra[1])]
    records = [{"id": f"s{i}", "channel": "email", "subject": "EnronOnline executive summary",
                "body": common.format(day=day) + tail, "recipient": {"name": "Louise Kitchen"}}
               for i, (day, tail) in enumerate(days_and_tails)]
    linked = MemoryCampaignStore().link([fingerprint(*prepare(r, registry)) for r in records])
    assert linked[0] is None  # the next day's issue is a new message
    assert linked[1] is not None and linked[1].id == linked[2].id  # a line added, no figure changed
    assert linked[3] is None  # a different note that starts alike


def test_a_memo_revised_to_one_reader_is_another_message_but_a_bump_is_a_copy(registry):
    """To one reader, a changed word makes a new message (a revised memo); words only added make the
    same text sent again (a pitch bumped with a line on top). Sent to a second reader, the revision
    is a mailing."""
    memo = ("The approval process for meeting and event expenditures has changed. The threshold for employee "
            "events has been lowered, and the public relations department must review every customer event "
            "before any commitment to a vendor is made. Please use the attached request form.")
    texts = [memo, memo.replace("lowered", "raised"), "Just checking that you saw this. " + memo]
    to_one = [{"id": f"m{i}", "channel": "email", "subject": "Expenditure approval", "body": text,
               "recipient": {"name": "Louise Kitchen"}} for i, text in enumerate(texts)]
    revised_elsewhere = dict(to_one[1], id="m3", recipient={"name": "John Arnold"})
    linked = MemoryCampaignStore().link([fingerprint(*prepare(r, registry)) for r in [*to_one, revised_elsewhere]])
    assert linked[1] is None or linked[1].id != linked[0].id  # the revision is another message
    assert linked[2] is not None and linked[2].id == linked[0].id  # the bump joins the first copy
    assert linked[3] is not None and linked[3].id == linked[1].id and linked[3].recipients == 2
