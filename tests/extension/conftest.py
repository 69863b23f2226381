"""The extension in a real headless Chromium against a real `sincere serve`, on fixture pages.

Debian's chromium and chromedriver (apt: chromium, chromium-driver) are driven by Selenium through the
system chromedriver (no browser download). The fixture pages are served over HTTPS on 127.0.0.1 with a
certificate made here (Chromium accepts that one by its key's hash, no other), and Chromium maps
mail.google.com and www.linkedin.com to that server, so the manifest's real match patterns decide
where the extension runs. Chromium writes its whole network log
(every request of every page, the extension's service worker and the browser itself) to a file.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.extension.fixture_pages import GMAIL, LINKEDIN, gmail_page, linkedin_page
from tests.support import self_signed_certificate

EXTENSION = Path(__file__).resolve().parents[2] / "extension"
EXTENSION_ORIGIN = "chrome-extension://fkaikhcplllfcebfkiaahhgpbfneebfh"  # fixed by the manifest's "key"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SITES = ("mail.google.com", "www.linkedin.com")
WAIT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    for binary, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(binary, os.X_OK):
            pytest.skip(f"{binary} is not installed (Debian: apt-get install {package})")
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Where screenshots go: $SINCERE_ARTIFACTS/extension when set, else a temporary folder."""
    root = os.environ.get("SINCERE_ARTIFACTS")
    folder = Path(root) / "extension" if root else tmp_path_factory.mktemp("extension-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class _FixtureHandler(http.server.BaseHTTPRequestHandler):
    """Gmail pages by `?fixture=CASE&v=N`, LinkedIn pages by the thread id in the path (`?v=N`)."""

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        version = int(query.get("v", ["1"])[0])
        host = (self.headers.get("Host") or "").split(":")[0]
        page = None
        if host == "mail.google.com" and url.path.startswith("/mail/") and query.get("fixture", [""])[0] in GMAIL:
            page = gmail_page(query["fixture"][0], version)
        elif host == "www.linkedin.com" and url.path.startswith("/messaging/thread/"):
            thread = url.path.split("/")[3]
            page = linkedin_page(thread, version) if thread in LINKEDIN else None
        body = (page or "not found").encode()
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8" if page else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def fixture_sites(tmp_path_factory):
    """The HTTPS server for both fixture sites, on a free loopback port."""
    cert, key, server_spki = self_signed_certificate(tmp_path_factory.mktemp("tls"), list(SITES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FixtureHandler)
    server.spki = server_spki
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class Api:
    """A running `sincere serve` and a key made by `sincere keys create`."""

    def __init__(self, url: str, key: str):
        self.url, self.key = url, key

    def requests_to(self, path: str) -> int:
        """How many requests for `path` the server answered, from its Prometheus counters."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as response:
            lines = response.read().decode().splitlines()
        prefix = f'http_requests_total{{handler="{path}",'
        return sum(int(float(line.rsplit(" ", 1)[1])) for line in lines if line.startswith(prefix))

    def post(self, path: str, body, user: str = "seed") -> dict:
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST", headers={
            "X-API-Key": self.key, "X-Sincere-User": user, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture(scope="session")
def api(tmp_path_factory):
    sincere = Path(sys.executable).with_name("sincere")
    data_dir = tmp_path_factory.mktemp("api-data")
    env = {**os.environ, "SINCERE_DATA_DIR": str(data_dir), "SINCERE_CORS_ORIGINS": EXTENSION_ORIGIN,
           "SINCERE_RATE_LIMIT": "100000/minute"}
    env.pop("SINCERE_MODEL", None)
    created = subprocess.run([str(sincere), "keys", "create", "--name", "extension-tests"], env=env, cwd=data_dir,
                             capture_output=True, text=True, timeout=120, check=True)
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([str(sincere), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                              env=env, cwd=data_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"sincere serve exited with status {server.returncode}")
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.time() > deadline:
                    pytest.fail("sincere serve was not ready in 120 s")
                time.sleep(0.3)
        yield Api(url, key)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _net_log_requests(path: Path) -> list[tuple[str, str]]:
    """(URL, initiator) of every request Chromium started, from its --log-net-log file (complete once it
    quit). The initiator is the origin that asked for it (the extension, a page), or "not an origin" for
    the browser's own requests: navigations the test driver makes and Chromium's housekeeping."""
    log = json.loads(path.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [(event["params"]["url"], event["params"].get("initiator", "not an origin")) for event in log["events"]
            if event["type"] == start and "url" in (event.get("params") or {})]


class Browser:
    """Headless Chromium with the unpacked extension, and the steps the tests take in it."""

    def __init__(self, chromium: tuple[str, str], site_port: int, site_spki: str, profile: Path, net_log: Path):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        binary, driver = chromium
        self.net_log = net_log
        self.servers: set[str] = set()  # every server URL the options were ever set to
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for argument in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000", f"--user-data-dir={profile}",
            f"--load-extension={EXTENSION}", f"--disable-extensions-except={EXTENSION}",
            # Chromium 137+ ignores --load-extension unless this feature is off.
            "--disable-features=DisableLoadExtensionCommandLineSwitch",
            f"--host-resolver-rules=MAP mail.google.com 127.0.0.1:{site_port}, MAP www.linkedin.com 127.0.0.1:{site_port}, "
            "EXCLUDE localhost",
            f"--ignore-certificate-errors-spki-list={site_spki}",  # the fixture sites' own certificate only
            f"--log-net-log={net_log}", "--net-log-capture-mode=Default",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--no-default-browser-check", "--disable-default-apps", "--disable-client-side-phishing-detection",
            "--disable-domain-reliability", "--metrics-recording-only", "--lang=en-US",
        ):
            options.add_argument(argument)
        # The system chromedriver, named explicitly, so Selenium Manager never downloads a driver or browser.
        self.driver = webdriver.Chrome(options=options, service=Service(executable_path=driver))
        self.driver.set_page_load_timeout(WAIT_S)

    def quit(self) -> list[tuple[str, str]]:
        """Closes the browser; returns (URL, initiator) of every request it made."""
        if self.driver is not None:
            self.driver.quit()
            self.driver = None
        return _net_log_requests(self.net_log)

    # --- steps -----------------------------------------------------------------------------------

    def wait(self, condition, what: str, timeout: float = WAIT_S):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(lambda d: condition(), message=what)

    def configure(self, server: str, key: str, sites=("gmail", "linkedin"), mode: str = "auto") -> str:
        """Fills in the options page the way a user does; returns the status line it shows."""
        d = self.driver
        self.servers.add(server)
        d.get(f"{EXTENSION_ORIGIN}/pages/options.html")
        self.wait(lambda: d.find_element("id", "userId").text, "the options page to load")
        for field, value in (("serverUrl", server), ("apiKey", key)):
            element = d.find_element("id", field)
            element.clear()
            element.send_keys(value)
        for site in ("gmail", "linkedin"):
            box = d.find_element("id", f"site-{site}")
            if box.is_selected() != (site in sites):
                box.click()
        d.find_element("id", f"mode-{mode}").click()
        d.find_element("id", "save").click()
        return self.wait(lambda: d.find_element("id", "status").text.startswith("Saved") and d.find_element("id", "status").text,
                         "the options to be saved")

    def test_connection(self) -> str:
        """Presses the options page's "Test connection"; returns what it says."""
        d = self.driver
        d.get(f"{EXTENSION_ORIGIN}/pages/options.html")
        self.wait(lambda: d.find_element("id", "userId").text, "the options page to load")
        d.find_element("id", "check").click()
        return self.wait(lambda: (text := d.find_element("id", "status").text) not in ("", "Asking the server\u2026") and text,
                         "the connection test")

    def open_gmail(self, case: str, version: int = 1) -> None:
        self.driver.get(f"https://mail.google.com/mail/u/0/?fixture={case}&v={version}#inbox/{GMAIL[case].thread}")

    def open_linkedin(self, thread: str, version: int = 1) -> None:
        self.driver.get(f"https://www.linkedin.com/messaging/thread/{thread}/?v={version}")

    def badge(self):
        found = self.driver.find_elements("css selector", '[data-sincere="badge"]')
        return found[0] if found else None

    def badge_text(self) -> str:
        return self.driver.execute_script(
            "const b = document.querySelector('[data-sincere=\"badge\"]'); return b ? b.shadowRoot.querySelector('button').innerText : null;")

    def wait_badge(self, *states: str) -> dict:
        """Waits until the badge is in one of `states`; returns {state, verdict, text}."""
        def seen():
            badge = self.badge()
            if badge is None or badge.get_attribute("data-state") not in states:
                return None
            return {"state": badge.get_attribute("data-state"), "verdict": badge.get_attribute("data-verdict"),
                    "text": self.badge_text()}
        return self.wait(seen, f"the badge to be {' or '.join(states)}")

    def click_badge(self) -> None:
        self.driver.execute_script("return document.querySelector('[data-sincere=\"badge\"]').shadowRoot.querySelector('button')").click()

    def panel(self) -> dict | None:
        """What the open panel shows, or None."""
        return self.driver.execute_script("""
            const host = document.querySelector('[data-sincere="panel"]');
            const root = host && host.shadowRoot;
            const body = root && root.querySelector('[data-sincere="panel-body"]');
            if (!body) return null;
            const text = (sel) => { const e = root.querySelector(sel); return e ? e.innerText : null; };
            return {
              verdict: body.dataset.verdict,
              reasons: [...root.querySelectorAll('[data-sincere="reasons"] li')].map(li => ({
                code: li.dataset.code, text: li.innerText,
                evidence: [...li.querySelectorAll('[data-sincere="evidence"]')].map(q => q.innerText)})),
              evidence: [...root.querySelectorAll('[data-sincere="evidence"]')].map(q => q.innerText),
              personalization: text('[data-sincere="personalization"]'),
              campaign: text('[data-sincere="campaign"]'),
              highlighted: text('[data-sincere="highlighted"]'),
              note: text('[data-sincere="feedback-note"]'),
            };""")

    def wait_panel(self) -> dict:
        return self.wait(self.panel, "the panel to open")

    def panel_button(self, name: str):
        return self.driver.execute_script(
            f"return document.querySelector('[data-sincere=\"panel\"]').shadowRoot.querySelector('[data-sincere=\"{name}\"]')")

    def highlights(self) -> list[str]:
        """The page text under the extension's evidence highlight."""
        return self.driver.execute_script(
            "const h = CSS.highlights.get('sincere-evidence'); return h ? [...h].map(r => r.toString()) : [];")

    def screenshot(self, path: Path) -> Path:
        self.driver.save_screenshot(str(path))
        return path


@pytest.fixture(scope="module")
def browser(chromium, fixture_sites, tmp_path_factory):
    folder = tmp_path_factory.mktemp("chromium")
    opened = Browser(chromium, fixture_sites.server_address[1], fixture_sites.spki, folder / "profile", folder / "netlog.json")
    yield opened
    opened.quit()
