import pytest

from detector.message import from_record
from detector.signals.merge_tags import MergeTagLeftover

SIGNAL = MergeTagLeftover()


def detect(body, channel="email", subject="Hello"):
    message = from_record({"id": "t", "channel": channel, "subject": subject, "body": body})
    return message, SIGNAL.detect(message, {})


@pytest.mark.parametrize(
    "body, tag, syntax",
    [
        ("Hi [FIRST_NAME], quick one.", "[FIRST_NAME]", "square"),
        ("Loved what [COMPANY_NAME] ships.", "[COMPANY_NAME]", "square"),
        ("Hi [First Name], at [Company Name] you...", "[First Name]", "square"),
        ("Hello [Prospect's company] team!", "[Prospect's company]", "square"),
        ("Hi {{first_name}}, hello", "{{first_name}}", "handlebars"),
        ("Hi {{ .FirstName }}, hello", "{{ .FirstName }}", "handlebars"),
        ('Hi {{first_name | default: "there"}},', '{{first_name | default: "there"}}', "handlebars"),
        ("Dear {{{first_name}}},", "{{{first_name}}}", "handlebars"),
        ("{% if first_name %}Hi{% endif %} there", "{% if first_name %}", "liquid"),
        ("Hi {first_name}, how are things?", "{first_name}", "curly"),
        ("Hi *|FNAME|*, welcome aboard", "*|FNAME|*", "mailchimp"),
        ("Hi %FIRSTNAME%, we saved you a seat", "%FIRSTNAME%", "percent"),
        ("Dear <<First Name>>, thank you", "<<First Name>>", "angle"),
        ("Dear «FirstName», thank you", "«FirstName»", "angle"),
        ("Hi #{first_name}! Welcome.", "#{first_name}", "interpolation"),
        ("Hi ${first_name}! Welcome.", "${first_name}", "interpolation"),
        ("Hi $first_name! Welcome.", "$first_name", "dollar"),
        ("Hi [[firstname]], great to meet", "[[firstname]]", "double_square"),
        ("Hi {!Contact.FirstName}, following up", "{!Contact.FirstName}", "salesforce"),
        ("{Hi|Hello|Hey} Mark, hope you're well", "{Hi|Hello|Hey}", "spintax"),
        ("Just {bumping|floating} this to the top", "{bumping|floating}", "spintax"),
        ("We write {$1-3M|$3-8M} checks", "{$1-3M|$3-8M}", "spintax"),
        ("hey first_name quick video for you", "first_name", "bare"),
        ("hi firstname jake from spark demand", "firstname", "bare"),
    ],
)
def test_every_merge_syntax_is_found(body, tag, syntax):
    message, hit = detect(body)
    assert hit is not None, body
    assert tag in hit.data["tags"] and syntax in hit.data["syntaxes"]
    assert any(e.text == tag for e in hit.evidence)
    assert all(e.text == message.text[e.start:e.end] for e in hit.evidence)


@pytest.mark.parametrize(
    "body",
    [
        "config = {json: 1} in the settings file",
        'Send {"name": "x", "id": 2} to the endpoint',
        "This claim [citation needed] is wrong [1].",
        "See footnote [2] and [12].",
        "Save 50% today, only $5! Prices from $49.99.",
        "I'm 100% sure, 50%-60% range, use %s and %d.",
        "See [the docs](https://example.com) and [Company Name](https://example.com).",
        r"Let $x$ be \frac{a}{b} and \textbf{name} in LaTeX.",
        "Thanks!\n> > quoted line\nok",
        "[EXTERNAL] Re: budget for Q3",
        "[x] done, [ ] todo, [TODO] later, [PDF] attached, [URGENT]",
        "[name redacted] said the quiet part out loud",
        "a [ to downgrade a company ] note",
        "Use the $PATH and $HOME variables; $Id: file.c 12 $",
        "std::cout << name >> x;",
        "Pick {a,b,c} or {1..5} or {0|1}.",
        "email me {at} gmail",
        "Call me at %APPDATA% later",
        "I want to know your first name before we meet.",
    ],
)
def test_prose_code_and_markup_are_not_merge_tags(body):
    assert detect(body)[1] is None


def test_seed_1_both_tags_with_exact_spans():
    message = from_record({
        "id": "seed-1", "channel": "email", "subject": "Something you might like",
        "body": "Dear [FIRST_NAME], we noticed you might be interested in [RECENTLY_VIEWED_PRODUCT]...",
        "recipient": {"name": "Mark Schaefer", "first_name": "Mark"},
    })
    hit = SIGNAL.detect(message, {})
    assert hit.data["tags"] == ["[FIRST_NAME]", "[RECENTLY_VIEWED_PRODUCT]"]
    assert [e.text for e in hit.evidence] == hit.data["tags"]
    assert all(e.text == message.text[e.start:e.end] for e in hit.evidence)


def test_tags_in_the_subject_count_and_index_the_scored_text():
    message, hit = detect("Body text.", subject="{{first_name}}, a gift for you")
    assert hit.evidence[0].start == 0 and hit.evidence[0].text == "{{first_name}}"


@pytest.mark.parametrize("subject", ["[List-name] Meeting notes", "Re: [Python-dev] Release schedule",
                                     "[Company-news] Q3 update", "Fwd: [ILUG] room booking"])
def test_a_list_tag_opening_the_subject_is_not_a_merge_tag(subject):
    assert detect("Notes from Tuesday are on the wiki.", subject=subject)[1] is None


@pytest.mark.parametrize("subject, tag", [("[FIRST_NAME], a gift for you", "[FIRST_NAME]"),
                                          ("[Company] x Acme partnership", "[Company]"),
                                          ("Ideas for [Company Name]", "[Company Name]")])
def test_a_contact_field_in_the_subject_still_counts(subject, tag):
    assert detect("Body text.", subject=subject)[1].data["tags"] == [tag]
