"""The extension, loaded unpacked in headless Chromium, on Gmail and LinkedIn fixture pages, scoring
through a real `sincere serve` (see conftest.py for how the pieces are put together)."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest

from tests.extension.conftest import EXTENSION_ORIGIN, SITES, free_port
from tests.extension.fixture_pages import TEMPLATE_BODY, gmail_page, linkedin_page

TEMPLATE_THREAD, FRIEND_THREAD = "2-SW5NYWlsVGVtcGxhdGU", "2-Q2xpbWJpbmdUb20"
OTHER_READERS = [("Ana Lopez", "Brightwave", "ana@brightwave.example"), ("Kenji Mori", "Tidal Labs", "kenji@tidallabs.example"),
                 ("Ruth Okafor", "Northpeak", "ruth@northpeak.example")]


@pytest.fixture(scope="module")
def configured(browser, api):
    """Other readers of the same server got the template first (so it is a known campaign), then the
    user turns both sites on in automatic mode."""
    for name, company, email in OTHER_READERS:
        first = name.split()[0]
        api.post("/v1/score", {
            "id": f"seed-{first}", "channel": "email", "subject": f"Quick question about {company}",
            "body": TEMPLATE_BODY.replace("Dana", first).replace("Acme Robotics", company),
            "sender": {"name": "Sam Seller", "email": "sam@growthpipe.io"},
            "recipient": {"name": name, "email": email, "company": company}}, user=first)
    browser.configure(api.url, api.key, mode="auto")
    return browser


def test_the_two_fixture_versions_share_no_class_name():
    """The premise of the v1/v2 tests: every generated class name differs between the versions."""
    def classes(page: str) -> set[str]:
        return {name for attr in re.findall(r'class="([^"]*)"', page) for name in attr.split()}

    for v1, v2 in ((gmail_page("reply", 1), gmail_page("reply", 2)),
                   (linkedin_page(FRIEND_THREAD, 1), linkedin_page(FRIEND_THREAD, 2))):
        assert classes(v1) and not classes(v1) & classes(v2)


def test_manifest_loads_without_warnings_under_its_fixed_id(browser):
    browser.driver.get("chrome://extensions")
    loaded = browser.driver.execute_async_script(
        "chrome.developerPrivate.getExtensionsInfo({includeDisabled: true}).then(arguments[0])")
    ours = [e for e in loaded if e["name"] == "Sincere"]
    assert [e["id"] for e in ours] == [EXTENSION_ORIGIN.split("//")[1]], ours
    assert ours[0]["installWarnings"] == [] and ours[0]["manifestErrors"] == [], ours


def test_sites_are_off_until_turned_on(browser, api):
    """Runs first, on the fresh install: nothing is read or sent on a site the user has not turned on."""
    browser.open_gmail("template")
    browser.driver.execute_script("return new Promise(r => setTimeout(r, 1500))")
    assert browser.badge() is None
    browser.configure(api.url, api.key, sites=("linkedin",), mode="auto")
    browser.open_gmail("template")
    browser.driver.execute_script("return new Promise(r => setTimeout(r, 1500))")
    assert browser.badge() is None
    assert api.requests_to("/v1/score") == 0


@pytest.mark.parametrize("version", [1, 2])
def test_template_gets_the_smile_badge_with_reasons_and_evidence(configured, api, artifacts, version):
    browser = configured
    browser.open_gmail("template", version)
    badge = browser.wait_badge("done", "error")
    assert badge["verdict"] == "smile", badge
    assert badge["text"].startswith("Spam with a smile"), badge
    browser.screenshot(artifacts / f"gmail-badge-v{version}.png")
    browser.click_badge()
    panel = browser.wait_panel()
    codes = [r["code"] for r in panel["reasons"]]
    assert "OUTREACH_PATTERNS" in codes and "TEXT_MODEL" in codes, panel
    assert any("came across your profile" in e for e in panel["evidence"]), panel
    assert panel["personalization"].startswith("Your first name (\u201cDana\u201d)"), panel
    assert "copies sent to" in panel["campaign"], panel  # the other readers' copies on this server
    highlighted = browser.highlights()
    assert any("came across your profile" in h.lower() for h in highlighted), highlighted
    assert panel["highlighted"].endswith("highlighted in the message."), panel
    assert browser.driver.execute_script("return document.documentElement.outerHTML.includes(arguments[0])", api.key) is False
    browser.screenshot(artifacts / f"gmail-panel-v{version}.png")


def test_genuine_note_is_personal(configured):
    configured.open_gmail("genuine", 2)
    badge = configured.wait_badge("done", "error")
    assert (badge["verdict"], badge["text"].split()[0]) == ("personal", "Personal"), badge


def test_newsletter_is_bulk(configured):
    configured.open_gmail("newsletter", 2)
    badge = configured.wait_badge("done", "error")
    assert (badge["verdict"], badge["text"].split()[0]) == ("bulk", "Bulk"), badge


def test_reply_thread_is_personal(configured):
    configured.open_gmail("reply")
    badge = configured.wait_badge("done", "error")
    assert badge["verdict"] == "personal", badge
    configured.click_badge()
    shared = {r["code"]: r["evidence"] for r in configured.wait_panel()["reasons"]}.get("SHARED_HISTORY", [])
    # Words of the user's own earlier message ("…with the Berlin numbers and the hiring plan?") are the
    # evidence: it went in as the thread, flagged as the recipient's.
    assert {"Berlin", "slides"} <= set(shared), shared


@pytest.mark.parametrize("version", [1, 2])
def test_linkedin_inmail_template_and_friend_thread(configured, artifacts, version):
    configured.open_linkedin(TEMPLATE_THREAD, version)
    badge = configured.wait_badge("done", "error")
    assert badge["verdict"] == "smile", badge
    configured.open_linkedin(FRIEND_THREAD, version)
    badge = configured.wait_badge("done", "error")
    assert badge["verdict"] == "personal", badge
    configured.click_badge()
    panel = configured.wait_panel()
    shared = {r["code"]: r["evidence"] for r in panel["reasons"]}.get("SHARED_HISTORY", [])
    assert {"robot", "shoulder"} <= set(shared), panel  # it answers the user's own question in the thread
    configured.screenshot(artifacts / f"linkedin-panel-v{version}.png")


def test_it_stores_settings_and_verdicts_by_message_id_only(configured):
    configured.open_gmail("template")
    assert configured.wait_badge("done", "error")["verdict"] == "smile"
    d = configured.driver
    d.get(f"{EXTENSION_ORIGIN}/pages/options.html")
    stored = d.execute_async_script(
        "Promise.all([chrome.storage.local.get(null), chrome.storage.session.get(null)]).then(arguments[0])")
    local, session = stored
    assert set(local) == {"serverUrl", "apiKey", "userId", "sites", "mode", "me"}, local
    verdicts = session.pop("verdicts")
    assert session == {} and "gmail:18c1a2b3c4d5e6f7" in verdicts, verdicts
    assert all(set(v) == {"verdict", "score"} for v in verdicts.values()), verdicts
    assert "came across your profile" not in json.dumps(stored).lower()


def test_feedback_changes_the_next_verdict_for_that_sender(configured):
    configured.open_gmail("template")
    assert configured.wait_badge("done", "error")["verdict"] == "smile"
    configured.click_badge()
    configured.wait_panel()
    configured.panel_button("not-template").click()
    configured.wait(lambda: (configured.panel() or {}).get("verdict") == "personal", "the verdict to turn personal")
    assert configured.wait_badge("done")["verdict"] == "personal"
    assert configured.panel()["reasons"][0]["code"] == "USER_ALLOWED_SENDER"
    # Another template from the same sender is personal for this user from now on.
    configured.open_gmail("followup", 2)
    badge = configured.wait_badge("done", "error")
    assert badge["verdict"] == "personal", badge
    configured.click_badge()
    assert configured.wait_panel()["reasons"][0]["code"] == "USER_ALLOWED_SENDER"
    configured.panel_button("is-template").click()
    configured.wait(lambda: (configured.panel() or {}).get("verdict") == "smile", "the verdict to turn smile")
    assert configured.panel()["reasons"][0]["code"] == "USER_DENIED_SENDER"
    assert configured.wait_badge("done")["verdict"] == "smile"


def test_click_mode_sends_nothing_until_the_badge_is_clicked(configured, api):
    configured.configure(api.url, api.key, mode="click")
    try:
        before = api.requests_to("/v1/score")
        configured.open_gmail("reply", 2)
        badge = configured.wait_badge("idle", "done", "error")
        assert (badge["state"], badge["text"]) == ("idle", "Sincere: check this message"), badge
        configured.driver.execute_script("return new Promise(r => setTimeout(r, 1000))")
        assert api.requests_to("/v1/score") == before
        configured.click_badge()
        assert configured.wait_badge("done", "error")["verdict"] == "personal"
        assert configured.wait_panel()["verdict"] == "personal"
        assert api.requests_to("/v1/score") == before + 1
        # Opened again, it shows the verdict remembered by message id without sending the message again.
        configured.open_gmail("reply", 1)
        assert configured.wait_badge("done", "error")["verdict"] == "personal"
        assert api.requests_to("/v1/score") == before + 1
    finally:
        configured.configure(api.url, api.key, mode="auto")


def test_wrong_key_and_unreachable_server_are_shown_in_the_badge(configured, api, artifacts):
    assert configured.test_connection().startswith("Connected: the server answers with model ")
    try:
        configured.configure(api.url, "snc_wrongwrong_notakey")
        assert configured.test_connection().startswith("Wrong API key: the server refused it (401).")
        configured.open_gmail("genuine")
        badge = configured.wait_badge("done", "error")
        assert badge["state"] == "error" and badge["text"].startswith("Sincere: Wrong API key"), badge
        configured.screenshot(artifacts / "gmail-wrong-key.png")
        closed = f"http://127.0.0.1:{free_port()}"
        configured.configure(closed, api.key)
        configured.open_linkedin(FRIEND_THREAD)
        badge = configured.wait_badge("done", "error")
        assert badge["state"] == "error", badge
        assert badge["text"] == f"Sincere: Cannot reach the server at {closed}: is `sincere serve` running there?", badge
    finally:
        configured.configure(api.url, api.key, mode="auto")


def test_popup_says_what_is_sent_and_scores_pasted_text(configured, api):
    d = configured.driver
    d.get(f"{EXTENSION_ORIGIN}/pages/popup.html")
    privacy = configured.wait(lambda: api.url in d.find_element("id", "privacy").text and d.find_element("id", "privacy").text,
                              "the privacy line")
    assert "only the message you open" in privacy and "only to your server" in privacy, privacy
    d.find_element("id", "text").send_keys(TEMPLATE_BODY.replace("Dana", "Morgan").replace("Acme Robotics", "Fernhill"))
    d.find_element("id", "score").click()
    verdict = configured.wait(lambda: d.execute_script(
        "const r = document.getElementById('result').shadowRoot; const p = r && r.querySelector('[data-sincere=panel-body]');"
        "return p && p.dataset.verdict;"), "the popup's result")
    assert verdict == "smile"


def test_no_request_leaves_for_any_host_but_the_server_and_the_sites(configured, api, fixture_sites):
    """Last: closes the browser and reads its whole network log. Whatever the extension (its service worker
    and pages) or the sites' pages (where the content scripts run) asked for went to the configured server
    or the two sites; the rest are the browser's own requests (the test's navigations, Chromium's updater)."""
    configured.open_linkedin(TEMPLATE_THREAD, 2)
    assert configured.wait_badge("done", "error")["verdict"] == "smile"
    servers = {urllib.parse.urlsplit(s).netloc for s in configured.servers}
    requests = configured.quit()
    host = lambda url: urllib.parse.urlsplit(url).netloc  # noqa: E731
    by_extension = {host(url) for url, initiator in requests if initiator == EXTENSION_ORIGIN}
    by_pages = {host(url) for url, initiator in requests if initiator in {f"https://{site}" for site in SITES}}
    assert urllib.parse.urlsplit(api.url).netloc in by_extension  # the log did record the extension's requests
    assert by_extension <= servers, sorted(by_extension - servers)
    assert by_pages <= set(SITES), sorted(by_pages - set(SITES))
    initiators = {initiator for _, initiator in requests}
    assert initiators <= {EXTENSION_ORIGIN, "not an origin", *(f"https://{site}" for site in SITES)}, initiators
    assert "www.linkedin.com" in {host(url) for url, _ in requests}  # the pages' requests were recorded too
