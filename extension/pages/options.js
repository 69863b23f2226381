// The options page: server URL, API key, sites, scoring mode; asks for access to the server's origin.
import {loadSettings, saveSettings, serverOrigin} from "../lib/settings.js";

const $ = (id) => document.getElementById(id);
const status = (text) => { $("status").textContent = text; };

async function show() {
  const settings = await loadSettings();
  $("serverUrl").value = settings.serverUrl;
  $("apiKey").value = settings.apiKey;
  $("site-gmail").checked = settings.sites.gmail;
  $("site-linkedin").checked = settings.sites.linkedin;
  $(settings.mode === "auto" ? "mode-auto" : "mode-click").checked = true;
  $("company").value = settings.me.company;
  $("title").value = settings.me.title;
  $("userId").textContent = settings.userId;
  $("origin").textContent = new URL(chrome.runtime.getURL("")).origin;
}

$("settings").addEventListener("submit", async (event) => {
  event.preventDefault();
  const serverUrl = $("serverUrl").value.trim();
  const origin = serverOrigin(serverUrl);
  if (!origin) {
    status("The server URL must start with http:// or https://.");
    return;
  }
  await saveSettings({
    serverUrl,
    apiKey: $("apiKey").value.trim(),
    sites: {gmail: $("site-gmail").checked, linkedin: $("site-linkedin").checked},
    mode: document.querySelector("input[name=mode]:checked")?.value || "click",
    me: {company: $("company").value.trim(), title: $("title").value.trim()},
  });
  status("Saved.");
  // Access to the server's origin only (never all sites); without it the server must allow this
  // extension's origin by CORS. Asked after saving: the browser's prompt may stay open.
  const granted = await chrome.permissions.request({origins: [`${origin}/*`]}).catch(() => false);
  status(granted ? `Saved. Sincere may talk to ${origin}.`
    : `Saved. Access to ${origin} was not granted: the server must list ${$("origin").textContent} in SINCERE_CORS_ORIGINS.`);
});

$("check").addEventListener("click", async () => {
  status("Asking the server\u2026");
  const answer = await chrome.runtime.sendMessage({type: "check"});
  status(answer.ok ? `Connected: the server answers with model ${answer.model}.` : answer.error);
});

show();
