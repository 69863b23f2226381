// Runs on the two sites: finds the open message with the site module, puts a badge beside it, scores it
// through the service worker (automatically or on a click, per the options) and explains the verdict.
"use strict";

(() => {
  const {site, view} = Sincere;
  const HIGHLIGHT = "sincere-evidence";
  const REFRESH_DELAY_MS = 300;
  let current = null; // {key, found (the site's locate() answer), badge, result}
  let openPanel = null;

  async function ask(message) {
    try {
      return await chrome.runtime.sendMessage(message);
    } catch {
      return {ok: false, error: "Sincere was updated or restarted: reload this page."};
    }
  }

  function closePanel() {
    openPanel?.host.remove();
    openPanel = null;
    CSS.highlights?.delete(HIGHLIGHT);
  }

  function clear() {
    closePanel();
    current?.badge.host.remove();
    current = null;
  }

  /** Marks each evidence span in the message; returns how many were found on the page. */
  function highlight(textRoots, result) {
    const finders = textRoots.map((root) => Sincere.text.finder(root));
    const ranges = [];
    for (const text of view.evidenceTexts(result)) {
      const range = finders.map((find) => find(text)).find(Boolean);
      if (range) ranges.push(range);
    }
    if (CSS.highlights) CSS.highlights.set(HIGHLIGHT, new Highlight(...ranges));
    return ranges.length;
  }

  function showPanel(feedbackNote) {
    const shown = current;
    if (!shown?.result) return;
    openPanel = openPanel || view.panel();
    const {record, textRoots} = shown.found.read();
    const canFeedback = Boolean(record.sender?.email || record.sender?.profile_url);
    view.renderResult(openPanel.body, shown.result, {
      onClose: (event) => event.isTrusted && closePanel(),
      onFeedback: canFeedback ? (event, feedback) => event.isTrusted && sendFeedback(shown, record.sender, feedback) : null,
      feedbackNote: canFeedback ? feedbackNote : "The sender's address could not be read, so feedback is off for this message.",
      highlighted: highlight(textRoots, shown.result),
    });
  }

  async function score(shown) {
    shown.badge.loading();
    const answer = await ask({type: "score", record: shown.found.read().record});
    if (current !== shown) return;
    if (!answer.ok) {
      shown.result = null;
      shown.badge.error(answer.error);
      closePanel();
      return;
    }
    shown.result = answer.result;
    shown.badge.verdict(answer.result);
  }

  async function sendFeedback(shown, sender, feedback) {
    const answer = await ask({type: "feedback", sender, feedback});
    if (current !== shown) return;
    if (!answer.ok) {
      showPanel(answer.error);
      return;
    }
    await score(shown);
    if (current === shown && shown.result) showPanel(feedback === "not_cold"
      ? "Noted: this sender is not cold for you. Their messages now count as personal."
      : "Noted: this sender sends templates. Their messages now count as spam with a smile.");
  }

  async function onBadgeClick() {
    const shown = current;
    if (openPanel && shown.result) {
      closePanel();
      return;
    }
    if (!shown.result) await score(shown);
    if (current === shown && shown.result) showPanel();
  }

  async function refresh() {
    if (!site.inView(location)) {
      clear();
      return;
    }
    const config = await ask({type: "config"});
    const found = config.ok && config.enabled ? site.locate(document, location) : null;
    if (!found) {
      clear();
      return;
    }
    if (current && current.key === found.key && current.badge.host.isConnected) {
      current.found = found;
      return;
    }
    clear();
    const shown = {key: found.key, found, result: null};
    shown.badge = view.badge(found.anchor, () => onBadgeClick());
    current = shown;
    const cached = (await ask({type: "cached", messageKey: found.key})).verdict;
    if (current !== shown) return;
    if (cached) shown.badge.verdict(cached); // scored before in this session: a click fetches the reasons
    else if (config.mode === "auto") await score(shown);
    else shown.badge.idle();
  }

  let timer = null;
  let refreshed = Promise.resolve(); // refreshes run one after another, never two at once
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      refreshed = refreshed.then(refresh).catch((error) => console.error("Sincere:", error));
    }, REFRESH_DELAY_MS);
  };
  new MutationObserver((mutations) => {
    const ours = (node) => node.nodeType === 1 && node.matches?.("[data-sincere]");
    if (mutations.every((m) => [...m.addedNodes, ...m.removedNodes].every(ours))) return;
    schedule();
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
  window.addEventListener("hashchange", schedule);
  window.addEventListener("popstate", schedule);
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && schedule());
  schedule();
})();
