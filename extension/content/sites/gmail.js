// Gmail: the open conversation of mail.google.com. Every selector this module relies on is in SELECTORS;
// all are ARIA labels, data-* attributes, plain attributes or document structure, never Gmail's
// generated class names, which change without notice.
"use strict";
globalThis.Sincere = globalThis.Sincere || {};

(() => {
  const SELECTORS = {
    subject: "h2[data-thread-perm-id], h2[data-legacy-thread-id]", // the conversation's subject line
    message: "[data-message-id]", // one per message of the conversation, oldest first
    messageIdAttributes: ["data-legacy-message-id", "data-message-id"],
    sender: "h3 [email]", // <span email="…" name="…"> in each message's header
    account: 'a[href*="accounts.google.com/SignOutOptions"][aria-label], a[aria-label^="Google Account:"]',
  };
  const ACCOUNT_LABEL = /:\s*([^(]*?)\s*\(([^()\s]+@[^()\s]+)\)/s; // "Google Account: Dana Whitfield (dana@…)"
  const MAX_THREAD = 10;
  const MAX_CHARS = 100000; // of the scored message
  const MAX_THREAD_CHARS = 10000; // of each earlier message: the request stays far below the server's 1 MiB

  /** The conversation id in the URL: the last segment of the hash ("#inbox/FMfcgz…"). */
  function threadId(location) {
    const parts = decodeURIComponent(location.hash.replace(/^#/, "")).split("/").filter(Boolean);
    return parts.length >= 2 ? parts[parts.length - 1].split("?")[0] : null;
  }

  /** The signed-in user as Gmail's account button names them. */
  function me(document) {
    const label = document.querySelector(SELECTORS.account)?.getAttribute("aria-label") || "";
    const match = label.match(ACCOUNT_LABEL);
    return match ? {name: match[1].replace(/\s+/g, " ").trim() || undefined, email: match[2].toLowerCase()} : {};
  }

  /** A message's sender and id, read from attributes only (cheap: done for every message). */
  function header(element, index, thread) {
    const senderElement = element.querySelector(SELECTORS.sender);
    if (!senderElement) return null;
    return {
      id: SELECTORS.messageIdAttributes.map((a) => element.getAttribute(a)).find(Boolean) || `${thread}:${index}`,
      element,
      senderElement,
      sender: {
        name: senderElement.getAttribute("name") || Sincere.text.of(senderElement) || undefined,
        email: (senderElement.getAttribute("email") || "").toLowerCase() || undefined,
      },
    };
  }

  /** The message's body: the largest block of text beside its sender line (done for the few sent). */
  function withBody(message) {
    const bodyElement = Sincere.text.largestBlockBeside(message.element, message.senderElement);
    return {...message, bodyElement, body: Sincere.text.of(bodyElement).slice(0, MAX_CHARS)};
  }

  Sincere.site = {
    name: "gmail",
    channel: "email",
    selectors: SELECTORS,

    /** Whether a conversation may be open (the URL names one); cheap, checked before anything else. */
    inView: (location) => threadId(location) !== null,

    /** The message the extension scores: the newest of the open conversation not written by the user;
     * null when no conversation is open. Only ids and attributes are read here (this runs on every page
     * change); `read()` reads its text, and that of the messages before it as its thread, when needed. */
    locate(document, location) {
      const thread = threadId(location);
      if (!thread) return null;
      const elements = [...document.querySelectorAll(SELECTORS.message)].filter(
        (el) => !el.parentElement?.closest(SELECTORS.message));
      const messages = elements.map((el, i) => header(el, i, thread)).filter(Boolean);
      const user = me(document);
      const fromUser = (m) => Boolean(user.email && m.sender.email === user.email);
      const openIndex = messages.findLastIndex((m) => !fromUser(m));
      if (openIndex < 0) return null;
      const subjectElement = document.querySelector(SELECTORS.subject);
      return {
        key: messages[openIndex].id,
        anchor: subjectElement || messages[openIndex].senderElement,
        read() {
          const open = withBody(messages[openIndex]);
          const subject = Sincere.text.of(subjectElement);
          const record = {
            id: open.id,
            channel: "email",
            body: open.body,
            sender: open.sender,
            ...(subject ? {subject} : {}),
            ...(user.email ? {recipient: user} : {}),
          };
          const earlier = messages.slice(Math.max(0, openIndex - MAX_THREAD), openIndex).map(withBody).filter((m) => m.body);
          if (earlier.length) record.thread = earlier.map((m) => ({from_recipient: fromUser(m), body: m.body.slice(0, MAX_THREAD_CHARS)}));
          return {record, textRoots: [subjectElement, open.bodyElement].filter(Boolean)};
        },
      };
    },
  };
})();
