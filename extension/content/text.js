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

  /** A DOM Range over the first occurrence of `needle` in `root`'s text, comparing with runs of white
   * space collapsed and case ignored; null when it is not there. */
  findRange(root, needle) {
    const wanted = needle.replace(/\s+/g, " ").trim().toLowerCase();
    if (!wanted) return null;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let flat = "";
    const where = []; // for each character of `flat`: [text node, offset]
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i += 1) {
        const isSpace = /\s/.test(node.data[i]);
        if (isSpace && (flat.endsWith(" ") || flat === "")) continue;
        flat += isSpace ? " " : node.data[i].toLowerCase();
        where.push([node, i]);
      }
    }
    const at = flat.indexOf(wanted);
    if (at < 0) return null;
    const range = document.createRange();
    const [startNode, startOffset] = where[at];
    const [endNode, endOffset] = where[at + wanted.length - 1];
    range.setStart(startNode, startOffset);
    range.setEnd(endNode, endOffset + 1);
    return range;
  },
};
