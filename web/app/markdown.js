// A small, safe Markdown renderer for step summaries (GITHUB_STEP_SUMMARY): CommonMark's
// common blocks (headings, paragraphs, lists, block quotes, fenced code, rules) and GitHub's
// tables and strikethrough. It builds DOM nodes directly: text is only ever set as text,
// raw HTML is shown as the text it is, and links keep only http(s), mailto and relative URLs.
// Images are shown as links (the page loads nothing from elsewhere).

import {h} from './dom.js';

const MAX_DEPTH = 8;  // nesting of lists and quotes; deeper content is shown as text

export function safeUrl(url) {
  const trimmed = String(url || '').trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) return trimmed;
  // Relative URLs: no scheme before the first '/', '?' or '#'.
  if (/^[^:/?#]*(?:[/?#]|$)/.test(trimmed) && !/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return trimmed;
  return null;
}

const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

// Index of the `close` delimiter that ends a span opened at `from`, skipping code spans.
function findClose(text, from, close) {
  for (let i = from; i <= text.length - close.length; i++) {
    if (text[i] === '\\') { i++; continue; }
    if (text[i] === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > 0) { i = end; continue; }
    }
    if (text.startsWith(close, i) && i > from) return i;
  }
  return -1;
}

function matchBracket(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '\\') { i++; continue; }
    if (text[i] === '[') depth++;
    else if (text[i] === ']' && --depth === 0) return i;
  }
  return -1;
}

function link(label, url, title, depth) {
  const href = safeUrl(url);
  const children = typeof label === 'string' ? inline(label, depth + 1) : label;
  if (!href) return h('span', null, children);
  return h('a', {href, title: title || null, rel: 'noopener noreferrer nofollow'}, children);
}

export function inline(text, depth = 0) {
  if (depth > MAX_DEPTH) return [text];
  const out = [];
  let buffer = '';
  const flush = () => { if (buffer) { out.push(buffer); buffer = ''; } };
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && PUNCTUATION.test(text[i + 1])) {
      buffer += text[i + 1]; i += 2; continue;
    }
    if (c === '\\' && text[i + 1] === '\n') { flush(); out.push(h('br')); i += 2; continue; }
    if (c === ' ' && text.startsWith('  \n', i)) { flush(); out.push(h('br')); i += 3; continue; }
    if (c === '`') {
      let n = 0;
      while (text[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      const end = text.indexOf(fence, i + n);
      if (end >= 0) {
        flush();
        let code = text.slice(i + n, end).replace(/\n/g, ' ');
        if (/^ .*[^ ].* $/.test(code)) code = code.slice(1, -1);
        out.push(h('code', null, code));
        i = end + n; continue;
      }
      buffer += fence; i += n; continue;
    }
    if ((c === '!' && text[i + 1] === '[') || c === '[') {
      const open = c === '!' ? i + 1 : i;
      const close = matchBracket(text, open);
      const target = close > 0 && text[close + 1] === '('
        ? /^\(\s*<?([^\s<>()]*)>?(?:\s+"([^"]*)")?\s*\)/.exec(text.slice(close + 1)) : null;
      if (target) {
        flush();
        const label = text.slice(open + 1, close);
        if (c === '!') out.push(link([`🖼 ${label || 'image'}`], target[1], target[2], depth));
        else out.push(link(label, target[1], target[2], depth));
        i = close + 1 + target[0].length; continue;
      }
    }
    if (c === '<') {
      const auto = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(text.slice(i));
      if (auto) { flush(); out.push(link([auto[1]], auto[1], null, depth)); i += auto[0].length; continue; }
    }
    if (c === '~' && text[i + 1] === '~') {
      const end = findClose(text, i + 2, '~~');
      if (end > 0) { flush(); out.push(h('del', null, inline(text.slice(i + 2, end), depth + 1))); i = end + 2; continue; }
    }
    if (c === '*' || c === '_') {
      const double = text[i + 1] === c;
      const delimiter = double ? c + c : c;
      const start = i + delimiter.length;
      const wordInside = c === '_' && i > 0 && /\w/.test(text[i - 1]);
      if (!wordInside && text[start] && text[start] !== ' ') {
        let end = findClose(text, start, delimiter);
        // A single delimiter must not be half of a double one.
        while (!double && end > 0 && text[end + 1] === c) end = findClose(text, end + 2, delimiter);
        if (end > 0 && text[end - 1] !== ' ') {
          flush();
          out.push(h(double ? 'strong' : 'em', null, inline(text.slice(start, end), depth + 1)));
          i = end + delimiter.length; continue;
        }
      }
    }
    buffer += c; i++;
  }
  flush();
  return out;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])(\s+|$)/;
const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  const cells = [];
  let cell = '';
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\' && row[i + 1] === '|') { cell += '|'; i++; } else if (row[i] === '|') { cells.push(cell.trim()); cell = ''; } else cell += row[i];
  }
  cells.push(cell.trim());
  return cells;
}

function startsBlock(line, next) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) ||
    LIST_ITEM.test(line) || (line.includes('|') && next !== undefined && TABLE_RULE.test(next) && next.includes('-'));
}

function table(lines, i, depth) {
  const header = splitRow(lines[i]);
  const aligns = splitRow(lines[i + 1]).map((cell) =>
    cell.startsWith(':') && cell.endsWith(':') ? 'center' : cell.endsWith(':') ? 'right' : cell.startsWith(':') ? 'left' : null);
  const cellOf = (tag, text, column) =>
    h(tag, {class: aligns[column] ? `align-${aligns[column]}` : null, scope: tag === 'th' ? 'col' : null}, inline(text, depth + 1));
  const head = h('thead', null, h('tr', null, header.map((text, column) => cellOf('th', text, column))));
  const body = h('tbody');
  let j = i + 2;
  for (; j < lines.length && lines[j].trim() !== '' && lines[j].includes('|'); j++) {
    const cells = splitRow(lines[j]);
    body.appendChild(h('tr', null, header.map((_, column) => cellOf('td', cells[column] || '', column))));
  }
  return {node: h('div', {class: 'table-scroll'}, h('table', null, head, body)), next: j};
}

function list(lines, i, depth) {
  const first = LIST_ITEM.exec(lines[i]);
  const ordered = /\d/.test(first[2]);
  const items = [];
  let j = i;
  while (j < lines.length) {
    const m = LIST_ITEM.exec(lines[j]);
    if (!m || /\d/.test(m[2]) !== ordered) break;
    const indent = m[1].length + m[2].length + Math.min(Math.max(m[3].length, 1), 4);
    const body = [lines[j].slice(m[0].length)];
    let blankBefore = false;
    j++;
    for (; j < lines.length; j++) {
      const line = lines[j];
      if (line.trim() === '') { blankBefore = true; body.push(''); continue; }
      const lead = line.length - line.trimStart().length;
      if (lead >= indent) { body.push(line.slice(indent)); blankBefore = false; continue; }
      if (!blankBefore && !startsBlock(line, lines[j + 1])) { body.push(line.trim()); continue; }
      break;
    }
    while (body.length && body[body.length - 1] === '') body.pop();
    items.push({body, start: ordered ? parseInt(m[2], 10) : null});
    if (blankBefore && j < lines.length && !LIST_ITEM.test(lines[j])) break;
  }
  const attrs = ordered && items[0].start !== 1 ? {start: items[0].start} : null;
  const node = h(ordered ? 'ol' : 'ul', attrs);
  for (const item of items) {
    const blocks = renderBlocks(item.body, depth + 1);
    // A tight item's lone paragraph is shown inline.
    const only = blocks.length === 1 && blocks[0].tagName === 'P' ? Array.from(blocks[0].childNodes) : blocks;
    const task = /^\[([ xX])\]\s/.exec(item.body[0] || '');
    if (task && only.length && typeof only[0].textContent === 'string' && only[0].nodeType === Node.TEXT_NODE) {
      only[0].textContent = only[0].textContent.replace(/^\[[ xX]\]\s/, '');
      only.unshift(h('input', {type: 'checkbox', disabled: true, checked: task[1] !== ' ', 'aria-label': task[1] !== ' ' ? 'done' : 'not done'}), ' ');
    }
    node.appendChild(h('li', null, only));
  }
  return {node, next: j};
}

function renderBlocks(lines, depth) {
  const nodes = [];
  if (depth > MAX_DEPTH) return [h('pre', null, lines.join('\n'))];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') { i++; continue; }
    const fence = FENCE.exec(line);
    if (fence) {
      const body = [];
      let j = i + 1;
      const closing = new RegExp(`^ {0,3}${fence[1][0] === '`' ? '`' : '~'}{${fence[1].length},}\\s*$`);
      for (; j < lines.length && !closing.test(lines[j]); j++) body.push(lines[j]);
      nodes.push(h('pre', {class: 'code-block'}, h('code', {'data-lang': fence[2] || null}, body.join('\n'))));
      i = j + 1;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      // Summary headings sit under the page's own h2/h3, so they start at h3.
      const level = Math.min(6, heading[1].length + 2);
      nodes.push(h(`h${level}`, {class: `md-h${heading[1].length}`}, inline(heading[2] || '', depth)));
      i++;
      continue;
    }
    if (RULE.test(line)) { nodes.push(h('hr')); i++; continue; }
    if (QUOTE.test(line)) {
      const body = [];
      for (; i < lines.length && lines[i].trim() !== '' && (QUOTE.test(lines[i]) || body.length); i++) {
        body.push(lines[i].replace(QUOTE, ''));
      }
      nodes.push(h('blockquote', null, renderBlocks(body, depth + 1)));
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const {node, next} = list(lines, i, depth);
      nodes.push(node);
      i = next;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      const {node, next} = table(lines, i, depth);
      nodes.push(node);
      i = next;
      continue;
    }
    const paragraph = [line.trimStart()];
    for (i++; i < lines.length && lines[i].trim() !== '' && !startsBlock(lines[i], lines[i + 1]); i++) {
      paragraph.push(lines[i].trimStart());
    }
    nodes.push(h('p', null, inline(paragraph.join('\n').replace(/[ \t]+$/, ''), depth)));
  }
  return nodes;
}

// Markdown text -> a <div class="markdown"> of DOM nodes.
export function renderMarkdown(text) {
  const lines = String(text || '').replace(/\r\n?/g, '\n').replace(/\t/g, '    ').split('\n');
  return h('div', {class: 'markdown'}, renderBlocks(lines, 0));
}
