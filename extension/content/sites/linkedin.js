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
  const MAX_CHARS = 100000;

  const same = (a, b) => Boolean(a && b) && a.replace(/\s+/g, " ").trim().toLowerCase() === b.replace(/\s+/g, " ").trim().toLowerCase();

  function profileUrl(link) {
    const url = new URL(link.getAttribute("href"), "https://www.linkedin.com");
    const match = url.pathname.match(/^\/in\/[^/]+/);
    return match ? `https://www.linkedin.com${match[0]}` : undefined;
  }

  function senderName(link) {
    return Sincere.text.of(link) || link.querySelector("img[alt]")?.getAttribute("alt") || undefined;
  }

  function readEvent(event, link) {
    const heading = event.querySelector(SELECTORS.heading);
    const paragraphs = [...event.querySelectorAll(SELECTORS.paragraph)].filter((p) => !heading?.contains(p));
    const body = paragraphs.map((p) => Sincere.text.of(p)).filter(Boolean).join("\n\n").slice(0, MAX_CHARS);
    return {
      id: event.getAttribute("data-event-urn"),
      link,
      body,
      subjectElement: heading,
      subject: Sincere.text.of(heading),
      textRoots: [heading, ...paragraphs].filter(Boolean),
      sender: link ? {name: senderName(link), profile_url: profileUrl(link)} : {},
    };
  }

  Sincere.site = {
    name: "linkedin",
    channel: "linkedin",
    selectors: SELECTORS,

    /** Whether a thread may be open (the URL names one); cheap, checked before anything else. */
    inView: (location) => SELECTORS.threadPath.test(location.pathname),

    /** The newest message of the open thread not written by the user, with the messages before it as its
     * thread; null outside a thread. */
    extract(document, location) {
      const thread = location.pathname.match(SELECTORS.threadPath)?.[1];
      const first = thread && document.querySelector(SELECTORS.event);
      const list = first?.parentElement?.closest(SELECTORS.list);
      if (!list) return null;
      const meName = document.querySelector(SELECTORS.me)?.getAttribute("alt")?.trim();
      const messages = [];
      let link = null;
      for (const node of list.querySelectorAll(`${SELECTORS.event}, ${SELECTORS.profileLink}`)) {
        if (node.matches(SELECTORS.event)) messages.push(readEvent(node, link));
        else if (!node.closest(SELECTORS.event)) link = node; // a link inside a message is not its sender
      }
      const fromUser = (m) => same(m.sender.name, meName);
      const lastIndex = messages.findLastIndex((m) => m.body && m.link && !fromUser(m));
      if (lastIndex < 0) return null;
      // One turn of a conversation often spans several bubbles: the sender's run of consecutive messages
      // ending with their newest is scored as one message.
      let firstIndex = lastIndex;
      while (firstIndex > 0 && messages[firstIndex - 1].link === messages[lastIndex].link) firstIndex -= 1;
      const turn = messages.slice(firstIndex, lastIndex + 1).filter((m) => m.body);
      const open = messages[lastIndex];
      const subject = turn.map((m) => m.subject).find(Boolean);
      const key = open.id || `${thread}:${lastIndex}`;
      const record = {
        id: key,
        channel: "linkedin",
        body: turn.map((m) => m.body).join("\n\n").slice(0, MAX_CHARS),
        sender: open.sender,
        ...(subject ? {subject} : {}),
        ...(meName ? {recipient: {name: meName}} : {}),
      };
      const earlier = messages.slice(0, firstIndex).filter((m) => m.body).slice(-MAX_THREAD);
      if (earlier.length) record.thread = earlier.map((m) => ({from_recipient: fromUser(m), body: m.body}));
      return {key, record, anchor: open.link, textRoots: turn.flatMap((m) => m.textRoots)};
    },
  };
})();
