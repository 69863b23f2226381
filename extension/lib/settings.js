// Settings kept in chrome.storage.local, read only by the service worker and the extension's own pages.
// Content scripts never read them: they ask the service worker for their site's switch and mode, so the
// API key stays out of every page.

export const SITES = {
  gmail: {hosts: ["mail.google.com"]},
  linkedin: {hosts: ["www.linkedin.com"]},
};

export const DEFAULTS = {
  serverUrl: "http://127.0.0.1:8000",
  apiKey: "",
  userId: "",
  sites: {gmail: false, linkedin: false},
  mode: "click", // "click": score only when the badge is clicked; "auto": score each opened message
  me: {company: "", title: ""},
};

export async function loadSettings() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  const settings = {...DEFAULTS, ...stored};
  settings.sites = {...DEFAULTS.sites, ...(stored.sites || {})};
  settings.me = {...DEFAULTS.me, ...(stored.me || {})};
  if (!settings.userId) {
    settings.userId = crypto.randomUUID(); // opaque per-install id, sent as X-Sincere-User
    await chrome.storage.local.set({userId: settings.userId});
  }
  return settings;
}

export async function saveSettings(changes) {
  await chrome.storage.local.set(changes);
}

/** The server's origin ("http://127.0.0.1:8000"), or null when the URL is not http(s). */
export function serverOrigin(serverUrl) {
  try {
    const url = new URL(serverUrl);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}
