// What the user sees: the badge beside the sender or subject, and the panel that explains a verdict.
// Both live in shadow roots so the page's styles cannot reach them; the popup reuses renderResult.
"use strict";
globalThis.Sincere = globalThis.Sincere || {};

(() => {
  const LABELS = {personal: "Personal", smile: "Spam with a smile \u263A", bulk: "Bulk", error: "Could not score"};
  const COLORS = {personal: "#1b7f3b", smile: "#b3261e", bulk: "#6b5a00", error: "#b3261e", idle: "#3c4a5c", loading: "#3c4a5c"};
  const SLOT_WORDS = {
    first_name: "first name", last_name: "last name", full_name: "name", company: "company", title: "job title",
    location: "location", school: "school", email: "email address", url: "a link made for you", website: "website",
  };
  const DEPTH_WORDS = {
    none: "Nothing in it refers to you.",
    shallow: "Nothing else in it is about you: no shared history, nothing only you would know.",
    deep: "It refers to things only you and the sender share.",
  };
  const MAX_QUOTES = 6; // evidence quoted per reason in the panel (all of it is highlighted in the message)
  const USER_CHOICES = new Set(["USER_ALLOWED_SENDER", "USER_DENIED_SENDER"]); // feedback overrides, weight 0
  const STYLE = `
    :host { all: initial; }
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    button.badge { display: inline-flex; align-items: center; gap: 6px; margin: 0 8px; padding: 2px 10px;
      border: 1px solid currentColor; border-radius: 12px; background: #fff; font-size: 12px; font-weight: 600;
      line-height: 18px; cursor: pointer; max-width: 520px; white-space: normal; text-align: left; vertical-align: middle; }
    .score { font-weight: 400; opacity: .8; }
    .panel { width: 380px; max-height: 80vh; overflow: auto; background: #fff; color: #1f1f1f; border: 1px solid #c7c7c7;
      border-radius: 10px; box-shadow: 0 6px 24px rgba(0,0,0,.18); padding: 14px 16px; font-size: 13px; line-height: 1.45; }
    .head { display: flex; align-items: baseline; gap: 8px; }
    .verdict { font-size: 15px; font-weight: 700; }
    .close { margin-left: auto; border: 0; background: none; font-size: 18px; cursor: pointer; color: #555; }
    h4 { margin: 12px 0 4px; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #555; }
    ul { margin: 0; padding-left: 18px; }
    li { margin: 3px 0; }
    q { background: #ffe082; padding: 0 2px; border-radius: 2px; }
    .lean { color: #666; font-size: 11px; }
    .actions { display: flex; gap: 8px; margin-top: 12px; }
    .actions button { flex: 1; padding: 6px 8px; border-radius: 6px; border: 1px solid #8a8a8a; background: #f6f6f6; cursor: pointer; font-size: 12px; }
    .note { color: #555; font-size: 12px; margin-top: 8px; }
  `;

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key.startsWith("data-") || key === "title" || key === "type") node.setAttribute(key, value);
      else node[key] = value;
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function capitalized(text) {
    return text ? text[0].toUpperCase() + text.slice(1) : text;
  }

  /** The score as shown; "your choice" where the user's feedback set the verdict. */
  function score(result) {
    if ((result.reasons || []).some((r) => USER_CHOICES.has(r.code))) return "your choice";
    return typeof result.score === "number" ? result.score.toFixed(2) : "";
  }

  /** "Your first name (“Dana”) and company (“Acme”) were filled in." from the result's slots. */
  function personalizationLine(personalization) {
    if (!personalization) return null;
    const seen = new Map();
    for (const slot of personalization.slots || []) {
      if (!seen.has(slot.type)) seen.set(slot.type, slot.text);
    }
    const parts = [...seen].map(([type, text]) => `${SLOT_WORDS[type] || type.replace(/_/g, " ")} (\u201C${text}\u201D)`);
    const filled = parts.length
      ? `Your ${parts.length > 1 ? parts.slice(0, -1).join(", ") + " and " + parts.at(-1) : parts[0]} ${parts.length > 1 ? "were" : "was"} filled in. `
      : "";
    return filled + (DEPTH_WORDS[personalization.depth] || "");
  }

  function campaignLine(result) {
    const copy = (result.reasons || []).find((r) => r.code === "CAMPAIGN_COPY");
    if (copy) return capitalized(copy.description) + ".";
    const campaign = result.campaign;
    if (!campaign) return null;
    return `This server has seen ${campaign.copies} copies of it, sent to ${campaign.recipients} people.`;
  }

  /** A reason's evidence as quoted in the panel: each wording once (ignoring case), at most MAX_QUOTES. */
  function quotes(reason) {
    const seen = new Map();
    for (const {text} of reason.evidence || []) if (!seen.has(text.toLowerCase())) seen.set(text.toLowerCase(), text);
    return [...seen.values()].slice(0, MAX_QUOTES);
  }

  /** The reasons that moved the score (weight other than 0); all of them when none did. Zero-weight
   * reasons only restate the personalization, which has its own line. */
  function shownReasons(result) {
    const reasons = result.reasons || [];
    const weighed = reasons.filter((r) => r.weight || USER_CHOICES.has(r.code));
    return weighed.length ? weighed : reasons;
  }

  /** Every evidence span of the shown reasons, once. */
  function evidenceTexts(result) {
    const texts = new Set();
    for (const reason of shownReasons(result)) {
      for (const evidence of reason.evidence || []) if (evidence.text?.trim()) texts.add(evidence.text.trim());
    }
    return [...texts];
  }

  /** The explanation of one result into `root`; `actions` adds the feedback buttons. */
  function renderResult(root, result, {onClose, onFeedback, feedbackNote, highlighted} = {}) {
    const color = COLORS[result.verdict] || COLORS.idle;
    const reasons = shownReasons(result).filter((r) => r.code !== "CAMPAIGN_COPY");
    const panel = el("div", {className: "panel", "data-sincere": "panel-body", "data-verdict": result.verdict},
      el("div", {className: "head"},
        el("span", {className: "verdict", style: `color:${color}`}, LABELS[result.verdict] || result.verdict),
        el("span", {className: "score"}, result.reasons?.some((r) => USER_CHOICES.has(r.code))
          ? `your choice (model score ${result.score.toFixed(2)})` : `score ${score(result)}`),
        onClose ? el("button", {className: "close", title: "Close", onclick: onClose}, "\u00D7") : null),
      el("h4", {}, "Why"),
      el("ul", {"data-sincere": "reasons"}, ...reasons.map((reason) => el("li", {"data-code": reason.code},
        reason.description,
        reason.weight ? el("span", {className: "lean"}, reason.weight > 0 ? " (points to a template)" : " (points to a personal note)") : null,
        ...quotes(reason).map((text) => [" ", el("q", {"data-sincere": "evidence"}, text)]).flat()))),
    );
    const filled = personalizationLine(result.personalization);
    if (filled) panel.append(el("h4", {}, "What refers to you"), el("p", {"data-sincere": "personalization"}, filled));
    const campaign = campaignLine(result);
    if (campaign) panel.append(el("h4", {}, "Campaign"), el("p", {"data-sincere": "campaign"}, campaign));
    if (highlighted !== undefined) {
      panel.append(el("p", {className: "note", "data-sincere": "highlighted"},
        highlighted ? `${highlighted} passage${highlighted > 1 ? "s" : ""} highlighted in the message.` : "No evidence to highlight in the message."));
    }
    if (onFeedback) {
      panel.append(el("div", {className: "actions"},
        el("button", {"data-sincere": "not-template", onclick: (e) => onFeedback(e, "not_cold")}, "Not a template"),
        el("button", {"data-sincere": "is-template", onclick: (e) => onFeedback(e, "smile")}, "This is a template")));
      panel.append(el("p", {className: "note", "data-sincere": "feedback-note"}, feedbackNote || "Your choice applies to this sender's messages, for you only."));
    }
    root.replaceChildren(panel);
  }

  /** A badge after `anchor`; returns {host, show(state, ...)} with a click handler slot. */
  function badge(anchor, onClick) {
    const host = el("span", {"data-sincere": "badge"});
    const shadow = host.attachShadow({mode: "open"});
    const button = el("button", {className: "badge", type: "button"});
    button.addEventListener("click", (event) => {
      event.preventDefault();
      event.stopPropagation();
      if (event.isTrusted) onClick(); // a page's script cannot press it
    });
    shadow.append(el("style", {}, STYLE), button);
    anchor.after(host);
    const show = (state, text, result) => {
      host.dataset.state = state;
      host.dataset.verdict = result ? result.verdict : "";
      button.style.color = COLORS[result ? result.verdict : state] || COLORS.idle;
      button.title = state === "error" ? text : "Sincere: click for the reasons";
      button.replaceChildren(text, result && result.score !== null ? el("span", {className: "score"}, score(result)) : "");
    };
    return {
      host,
      idle: () => show("idle", "Sincere: check this message"),
      loading: () => show("loading", "Sincere: checking\u2026"),
      error: (message) => show("error", `Sincere: ${message}`),
      verdict: (result) => show("done", LABELS[result.verdict] || result.verdict, result),
    };
  }

  /** The floating panel (one per page), or null once closed. */
  function panel() {
    const host = el("div", {"data-sincere": "panel"});
    host.style.cssText = "position:fixed;top:72px;right:24px;z-index:2147483647;";
    const shadow = host.attachShadow({mode: "open"});
    const style = el("style", {}, STYLE);
    const body = el("div");
    shadow.append(style, body);
    document.documentElement.append(host);
    return {host, body};
  }

  Sincere.view = {badge, panel, renderResult, evidenceTexts, STYLE};
})();
