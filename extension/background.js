// The service worker: the only place that knows the API key and the only one that talks to the server.
// Content scripts and the popup send it a message ({type: "score" | "feedback" | ...}); it answers
// {ok: true, ...} or {ok: false, error: "what went wrong, in words"}.

import {SITES, loadSettings, serverOrigin} from "./lib/settings.js";

const TIMEOUT_MS = 20000;
const VERDICT_CACHE_LIMIT = 500;
const CACHE_KEY = "verdicts";

chrome.runtime.onInstalled.addListener(() => loadSettings()); // creates the per-install user id

class ServerError extends Error {}

async function call(path, {method = "GET", body} = {}) {
  const settings = await loadSettings();
  const origin = serverOrigin(settings.serverUrl);
  if (!origin || !settings.apiKey) {
    throw new ServerError("Not set up: enter the server URL and API key in Sincere's options.");
  }
  const base = settings.serverUrl.replace(/\/+$/, "");
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers: {"X-API-Key": settings.apiKey, "X-Sincere-User": settings.userId,
                ...(body ? {"Content-Type": "application/json"} : {})},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
      cache: "no-store",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    if (error.name === "TimeoutError") throw new ServerError(`The server at ${origin} did not answer in ${TIMEOUT_MS / 1000} s.`);
    throw new ServerError(`Cannot reach the server at ${origin}: is \`sincere serve\` running there?`);
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (response.ok) return payload;
  const detail = payload?.error?.message || response.statusText || "no detail";
  if (response.status === 401) throw new ServerError("Wrong API key: the server refused it (401). Check the key in Sincere's options.");
  if (response.status === 429) throw new ServerError(`Too many requests; try again in ${response.headers.get("Retry-After") || "a few"} s.`);
  if (response.status === 422) throw new ServerError(`The server could not read this message: ${detail}.`);
  throw new ServerError(`The server answered ${response.status}: ${detail}.`);
}

/** The verdict (and nothing else) of each message scored in this browser session, by message id; kept in
 * memory-only session storage, so it is gone when the browser closes. */
async function cachedVerdicts() {
  return (await chrome.storage.session.get(CACHE_KEY))[CACHE_KEY] || {};
}

async function rememberVerdict(messageKey, result) {
  const verdicts = await cachedVerdicts();
  delete verdicts[messageKey];
  verdicts[messageKey] = {verdict: result.verdict, score: result.score};
  const keys = Object.keys(verdicts);
  for (const old of keys.slice(0, Math.max(0, keys.length - VERDICT_CACHE_LIMIT))) delete verdicts[old];
  await chrome.storage.session.set({[CACHE_KEY]: verdicts});
}

function withMe(record, me) {
  const recipient = {...(record.recipient || {})};
  if (me.company && !recipient.company) recipient.company = me.company;
  if (me.title && !recipient.title) recipient.title = me.title;
  return Object.keys(recipient).length ? {...record, recipient} : record;
}

/** Which site a content script's page belongs to, or null for anything else. */
function siteOf(sender) {
  if (!sender.tab || !sender.url) return null;
  const host = new URL(sender.url).host;
  return Object.keys(SITES).find((site) => SITES[site].hosts.includes(host)) || null;
}

function fromExtensionPage(sender) {
  return !sender.tab || sender.url?.startsWith(chrome.runtime.getURL(""));
}

const HANDLERS = {
  /** A content script asks whether its site is on and how to score; it gets nothing else. */
  async config(request, sender) {
    const site = siteOf(sender);
    const settings = await loadSettings();
    return {enabled: Boolean(site && settings.sites[site]), mode: settings.mode};
  },

  async cached(request, sender) {
    const site = siteOf(sender);
    return {verdict: site ? (await cachedVerdicts())[`${site}:${request.messageKey}`] || null : null};
  },

  async score(request, sender) {
    const site = siteOf(sender);
    if (!site && !fromExtensionPage(sender)) throw new ServerError("Scoring is only offered on Gmail and LinkedIn.");
    const settings = await loadSettings();
    if (site && !settings.sites[site]) throw new ServerError("Sincere is off for this site (see its options).");
    const record = withMe(request.record, settings.me);
    const result = await call("/v1/score", {method: "POST", body: record});
    if (site) await rememberVerdict(`${site}:${record.id}`, result);
    return {result};
  },

  async feedback(request, sender) {
    if (!siteOf(sender) && !fromExtensionPage(sender)) throw new ServerError("Feedback is only offered on Gmail and LinkedIn.");
    const answer = await call("/v1/feedback", {method: "POST", body: {sender: request.sender, feedback: request.feedback}});
    await chrome.storage.session.remove(CACHE_KEY); // verdicts of that sender's messages may have changed
    return {rule: answer.rule};
  },

  /** The options page's "Test connection": the loaded model, which needs a valid key. */
  async check(request, sender) {
    if (!fromExtensionPage(sender)) throw new ServerError("Not allowed here.");
    const [model] = await call("/v1/models");
    return {model: model.model_version};
  },
};

chrome.runtime.onMessage.addListener((request, sender, reply) => {
  const handler = sender.id === chrome.runtime.id && Object.hasOwn(HANDLERS, request?.type) ? HANDLERS[request.type] : null;
  if (!handler) return false;
  handler(request, sender).then(
    (answer) => reply({ok: true, ...answer}),
    (error) => reply({ok: false, error: error instanceof ServerError ? error.message : `Sincere failed: ${error.message}`}),
  );
  return true; // answers asynchronously
});
