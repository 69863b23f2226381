// The popup: the privacy line, and the fallback where a page cannot be read: paste or select text, score it.
import {loadSettings} from "../lib/settings.js";

const $ = (id) => document.getElementById(id);
const status = (text) => { $("status").textContent = text; };

async function show() {
  const settings = await loadSettings();
  $("server").textContent = settings.serverUrl;
}

/** The text selected in the active tab (activeTab: only the tab the user opened the popup on). */
async function selectedText() {
  const [tab] = await chrome.tabs.query({active: true, currentWindow: true});
  const [frame] = await chrome.scripting.executeScript({target: {tabId: tab.id}, func: () => String(getSelection())});
  return (frame?.result || "").trim();
}

$("selection").addEventListener("click", async () => {
  try {
    const text = await selectedText();
    if (text) $("text").value = text;
    else status("Nothing is selected on the page.");
  } catch {
    status("This page cannot be read; paste the text instead.");
  }
});

$("score").addEventListener("click", async () => {
  const body = $("text").value.trim();
  if (!body) {
    status("Paste or select a message first.");
    return;
  }
  status("Scoring\u2026");
  const record = {id: `popup-${Date.now()}`, channel: $("channel").value, body};
  const answer = await chrome.runtime.sendMessage({type: "score", record});
  if (!answer.ok) {
    status(answer.error);
    $("result").replaceChildren();
    return;
  }
  status("");
  const root = $("result").shadowRoot || $("result").attachShadow({mode: "open"});
  const style = document.createElement("style");
  style.textContent = Sincere.view.STYLE + ".panel { width: auto; box-shadow: none; }";
  const body_ = document.createElement("div");
  root.replaceChildren(style, body_);
  Sincere.view.renderResult(body_, answer.result);
});

$("options").addEventListener("click", (event) => {
  event.preventDefault();
  chrome.runtime.openOptionsPage();
});

show();
