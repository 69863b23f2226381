import pytest

from detector.message import from_record
from detector.signals.too_little_text import MIN_WORDS, TooLittleText

SIGNAL = TooLittleText()


@pytest.mark.parametrize("body, words", [("hi", 1), ("ok see you then", 4), ("Dear [FIRST_NAME], ...", 2)])
def test_short_texts_fire_with_their_word_count(body, words):
    message = from_record({"id": "t", "channel": "sms", "body": body})
    hit = SIGNAL.detect(message, {})
    assert hit.data["words"] == words and hit.strength == 0.0
    assert hit.evidence[0].text == message.text


def test_a_subject_counts_towards_the_words():
    message = from_record({"id": "t", "channel": "email", "subject": "Lunch on Friday at noon?", "body": "ok"})
    assert SIGNAL.detect(message, {}) is None


def test_texts_of_min_words_do_not_fire():
    message = from_record({"id": "t", "channel": "sms", "body": " ".join(["word"] * MIN_WORDS)})
    assert SIGNAL.detect(message, {}) is None
