// LinkedIn messaging: the open thread (and InMail) under www.linkedin.com/messaging/. Every selector this
// module relies on is in SELECTORS; all are data-* attributes, the URL, link targets, alt texts and
// document structure, never LinkedIn's hashed class names.
"use strict";
globalThis.Sincere = globalThis.Sincere || {};

(() => {
  const SELECTORS = {
    threadPath: /^\/messaging\/thread\/([^/]+)/, // the URL's thread id
    event: "[data-event-urn]", // one per message, oldest first
    list: '[role="list"], ul, ol', // the thread's message list: the nearest list around the messages
    profileLink: 'a[href*="/in/"]', // a message group's sender; later messages of the group have none
    heading: "h1, h2, h3, h4, h5, h6", // an InMail's subject, inside its message
    paragraph: "p", // the message's text
    me: "nav img[alt]:not([alt=''])", // the signed-in user's photo in the top bar, alt = their name
  };
  const MAX_THREAD = 10;
  const MAX_CHARS = 100000; // of the scored message
  const MAX_THREAD_CHARS = 10000; // of each earlier message: the request stays far below the server's 1 MiB

  const same = (a, b) => Boolean(a && b) && a.replace(/\s+/g, " ").trim().toLowerCase() === b.replace(/\s+/g, " ").trim().toLowerCase();

  function profileUrl(link) {
    const url = new URL(link.getAttribute("href"), "https://www.linkedin.com");
    const match = url.pathname.match(/^\/in\/[^/]+/);
    return match ? `https://www.linkedin.com${match[0]}` : undefined;
  }

  function senderName(link) {
    return Sincere.text.of(link) || link.querySelector("img[alt]")?.getAttribute("alt") || undefined;
  }

  /** A message's sender, read from its group's profile link (cheap: done for every message). */
  function header(event, link) {
    return {event, link, id: event.getAttribute("data-event-urn"),
            sender: link ? {name: senderName(link), profile_url: profileUrl(link)} : {}};
  }

  /** A message's text: its subject heading (an InMail's) and its paragraphs (done for the few sent). */
  function withText(message) {
    const heading = message.event.querySelector(SELECTORS.heading);
    const paragraphs = [...message.event.querySelectorAll(SELECTORS.paragraph)].filter((p) => !heading?.contains(p));
    const body = paragraphs.map((p) => Sincere.text.of(p)).filter(Boolean).join("\n\n").slice(0, MAX_CHARS);
    return {...message, body, subject: Sincere.text.of(heading), textRoots: [heading, ...paragraphs].filter(Boolean)};
  }

  Sincere.site = {
    name: "linkedin",
    channel: "linkedin",
    selectors: SELECTORS,

    /** Whether a thread may be open (the URL names one); cheap, checked before anything else. */
    inView: (location) => SELECTORS.threadPath.test(location.pathname),

    /** The message the extension scores: the newest of the open thread not written by the user, with
     * the sender's bubbles just before it (one turn); null outside a thread. Only attributes and names
     * are read here (this runs on every page change); `read()` reads the text when needed. */
    locate(document, location) {
      const thread = location.pathname.match(SELECTORS.threadPath)?.[1];
      const first = thread && document.querySelector(SELECTORS.event);
      const list = first?.parentElement?.closest(SELECTORS.list);
      if (!list) return null;
      const meName = document.querySelector(SELECTORS.me)?.getAttribute("alt")?.trim();
      const messages = [];
      let link = null;
      for (const node of list.querySelectorAll(`${SELECTORS.event}, ${SELECTORS.profileLink}`)) {
        if (node.matches(SELECTORS.event)) messages.push(header(node, link));
        else if (!node.closest(SELECTORS.event)) link = node; // a link inside a message is not its sender
      }
      const fromUser = (m) => same(m.sender.name, meName);
      const lastIndex = messages.findLastIndex((m) => m.link && !fromUser(m));
      if (lastIndex < 0) return null;
      let firstIndex = lastIndex;
      while (firstIndex > 0 && messages[firstIndex - 1].link === messages[lastIndex].link) firstIndex -= 1;
      const open = messages[lastIndex];
      const key = open.id || `${thread}:${lastIndex}`;
      return {
        key,
        anchor: open.link,
        read() {
          const turn = messages.slice(firstIndex, lastIndex + 1).map(withText).filter((m) => m.body);
          const subject = turn.map((m) => m.subject).find(Boolean);
          const record = {
            id: key,
            channel: "linkedin",
            body: turn.map((m) => m.body).join("\n\n").slice(0, MAX_CHARS),
            sender: open.sender,
            ...(subject ? {subject} : {}),
            ...(meName ? {recipient: {name: meName}} : {}),
          };
          const earlier = messages.slice(Math.max(0, firstIndex - MAX_THREAD), firstIndex).map(withText).filter((m) => m.body);
          if (earlier.length) record.thread = earlier.map((m) => ({from_recipient: fromUser(m), body: m.body.slice(0, MAX_THREAD_CHARS)}));
          return {record, textRoots: turn.flatMap((m) => m.textRoots)};
        },
      };
    },
  };
})();
