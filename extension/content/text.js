// Helpers the site modules and the view share: reading a block of text from the page and finding a
// quoted span of it again (to highlight evidence). Content scripts are classic scripts; everything
// hangs off one namespace in the extension's isolated world, never the page's.
"use strict";
globalThis.Sincere = globalThis.Sincere || {};

Sincere.text = {
  /** The text a reader sees in an element, trimmed. */
  of(element) {
    return element ? (element.innerText || element.textContent || "").trim() : "";
  },

  /** The largest block of text beside `header` inside `container`: walking from the header up to the
   * container, the sibling (of the header or of one of its ancestors) holding the most text. This is how
   * a message's body is found from its sender line, by document structure alone. */
  largestBlockBeside(container, header) {
    let best = null;
    let bestLength = 0;
    for (let node = header; node && node !== container; node = node.parentElement) {
      for (const sibling of node.parentElement ? node.parentElement.children : []) {
        if (sibling === node || sibling.contains(header)) continue;
        const length = Sincere.text.of(sibling).length;
        if (length > bestLength) [best, bestLength] = [sibling, length];
      }
    }
    return best;
  },

  /** A function that finds a quoted span in `root`'s text: it returns a DOM Range over the first
   * occurrence of its argument, comparing with runs of white space collapsed and case ignored, or null.
   * The root's text is flattened once, however many spans are looked for. */
  finder(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const chars = [];
    const where = []; // for each character of the flattened text: [text node, offset]
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const data = node.data;
      for (let i = 0; i < data.length; i += 1) {
        const space = /\s/.test(data[i]);
        if (space && (chars.length === 0 || chars[chars.length - 1] === " ")) continue;
        const lower = data[i].toLowerCase();
        chars.push(space ? " " : lower.length === 1 ? lower : data[i]); // one character for one character
        where.push([node, i]);
      }
    }
    const flat = chars.join("");
    return (needle) => {
      const wanted = needle.replace(/\s+/g, " ").trim().toLowerCase();
      const at = wanted ? flat.indexOf(wanted) : -1;
      if (at < 0) return null;
      const range = document.createRange();
      range.setStart(...where[at]);
      const [endNode, endOffset] = where[at + wanted.length - 1];
      range.setEnd(endNode, endOffset + 1);
      return range;
    };
  },
};
