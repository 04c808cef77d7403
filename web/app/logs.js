// A step's log: the text of a finished step, or a live tail over Server-Sent Events
// (EventSource on .../logs/{job}/{step}/stream, which resumes with Last-Event-ID after a
// dropped connection). Lines are shown as the server sends them, secrets already masked
// ("***"). Group markers fold: the runner stores `::group::T`/`::endgroup::` as "▸ T" /
// "◂ T"; raw `::group::`/`##[group]` lines (older logs, other producers) fold the same way.

import {h} from './dom.js';
import {logUrl, logStreamUrl, stepNumber} from './api.js';

const GROUP_START = /^(?:▸ |::group::|##\[group\])(.*)$/;
const GROUP_END = /^(?:◂ |::endgroup::|##\[endgroup\])/;
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/s;
// Colour and cursor escape sequences: not rendered, not shown.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const MAX_LINES = 50000;  // past this the view says so and offers the download instead

function splitMasked(text) {
  if (!text.includes('***')) return [text];
  const parts = [];
  text.split('***').forEach((piece, index) => {
    if (index > 0) parts.push(h('span', {class: 'masked', title: 'masked secret'}, '***'));
    if (piece) parts.push(piece);
  });
  return parts;
}

function formatClock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(11, 23);
}

export class LogView {
  // step: {index, name, status}; live: stream instead of fetching the finished text.
  constructor({runId, jobKey, step, live, onEnd}) {
    this.runId = runId;
    this.jobKey = jobKey;
    this.step = step;
    this.live = live;
    this.onEnd = onEnd;
    this.count = 0;
    this.pending = [];
    this.frame = 0;
    this.source = null;
    this.stopped = false;
    this.stack = [];
    this.lines = h('div', {class: 'log-lines', role: 'log', 'aria-live': 'off', 'aria-label': `Log of ${step.name}`});
    this.stack.push(this.lines);
    this.state = h('span', {class: 'log-state muted'}, live ? 'connecting…' : 'loading…');
    const stamps = h('input', {type: 'checkbox', id: `ts-${jobKey}-${step.index}`, onchange: (event) => {
      this.element.classList.toggle('show-timestamps', event.target.checked);
    }});
    const wrap = h('input', {type: 'checkbox', id: `wrap-${jobKey}-${step.index}`, checked: true, onchange: (event) => {
      this.element.classList.toggle('nowrap', !event.target.checked);
    }});
    this.element = h('section', {class: 'log-view', 'aria-label': `Log: ${step.name}`},
      h('div', {class: 'log-toolbar'},
        this.state,
        h('label', {class: 'check'}, stamps, ' Timestamps'),
        h('label', {class: 'check'}, wrap, ' Wrap lines'),
        h('a', {class: 'button button-small', href: logUrl(runId, jobKey, stepNumber(step)), download: `${jobKey}-${stepNumber(step)}.log`}, 'Download')),
      this.lines);
  }

  start() {
    if (this.live && typeof EventSource === 'function') this.stream();
    else this.fetchText();
    return this;
  }

  stop() {
    this.stopped = true;
    if (this.source) this.source.close();
    this.source = null;
    cancelAnimationFrame(this.frame);
  }

  async fetchText() {
    try {
      const response = await fetch(logUrl(this.runId, this.jobKey, stepNumber(this.step)), {credentials: 'same-origin'});
      if (response.status === 404) { this.finish('no output'); return; }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const text = await response.text();
      if (this.stopped) return;
      const lines = text.split('\n');
      if (lines.length && lines[lines.length - 1] === '') lines.pop();
      lines.forEach((line) => this.push(line));
      this.finish(lines.length ? '' : 'no output');
    } catch (error) {
      this.finish(`could not load the log: ${error.message}`);
    }
  }

  stream() {
    const source = new EventSource(logStreamUrl(this.runId, this.jobKey, stepNumber(this.step)));
    this.source = source;
    source.onopen = () => { this.state.textContent = 'live'; this.element.classList.add('is-live'); };
    source.onmessage = (event) => this.receive(event.data);
    const end = () => {
      source.close();
      this.source = null;
      this.finish('');
      if (this.onEnd) this.onEnd();
    };
    for (const name of ['end', 'done', 'eof']) source.addEventListener(name, end);
    source.onerror = (event) => {
      // The server's own `event: error` (the step or run is gone): final.
      if (typeof event.data === 'string') {
        source.close();
        this.source = null;
        this.finish(`log stream: ${event.data}`);
        return;
      }
      // EventSource reconnects by itself (resuming after Last-Event-ID); a closed one
      // (HTTP error) is final: show what is stored.
      if (source.readyState === EventSource.CLOSED) {
        this.source = null;
        if (this.count === 0) this.fetchText();
        else this.finish('stream closed');
      } else {
        this.state.textContent = 'reconnecting…';
      }
    };
  }

  // One event: a line, several lines, or JSON {line|text|data, time|t|ts}.
  receive(data) {
    if (data.startsWith('{')) {
      try {
        const event = JSON.parse(data);
        const text = event.line ?? event.text ?? event.data;
        if (typeof text === 'string') {
          const time = event.time ?? event.t ?? event.ts;
          const iso = typeof time === 'number' ? new Date(time).toISOString() : time;
          text.split('\n').forEach((line) => this.push(line, iso));
          return;
        }
      } catch { /* a line that starts with '{' */ }
    }
    data.split('\n').forEach((line) => this.push(line));
  }

  push(line, time) {
    this.pending.push([line, time]);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = 0;
    const scroller = this.lines;
    const follow = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 24;
    const batch = this.pending;
    this.pending = [];
    for (const [raw, time] of batch) this.addLine(raw, time);
    if (follow) scroller.scrollTop = scroller.scrollHeight;
  }

  addLine(raw, time) {
    if (this.count >= MAX_LINES) {
      if (this.count === MAX_LINES) {
        this.stack[0].appendChild(h('div', {class: 'log-note'}, `Only the first ${MAX_LINES} lines are shown: download the log for the rest.`));
        this.count++;
      }
      return;
    }
    let text = raw.replace(ANSI, '');
    let stamp = time || '';
    const timed = TIMESTAMP.exec(text);
    if (timed) { stamp = timed[1]; text = timed[2]; }
    const target = this.stack[this.stack.length - 1];
    const start = GROUP_START.exec(text);
    if (start) {
      const body = h('div', {class: 'log-group-body'});
      const line = this.lineElement(start[1] || 'group', stamp, 'log-group-title');
      target.appendChild(h('details', {class: 'log-group'}, h('summary', null, line), body));
      this.stack.push(body);
      return;
    }
    if (GROUP_END.test(text)) {
      if (this.stack.length > 1) this.stack.pop();
      return;
    }
    target.appendChild(this.lineElement(text, stamp));
  }

  lineElement(text, stamp, extra) {
    this.count++;
    return h('div', {class: ['log-line', extra], id: `${this.jobKey}-${this.step.index}-L${this.count}`},
      h('span', {class: 'log-number', 'aria-hidden': 'true'}, String(this.count)),
      stamp ? h('time', {class: 'log-time', datetime: stamp}, formatClock(stamp)) : h('span', {class: 'log-time'}),
      h('span', {class: 'log-text'}, splitMasked(text)));
  }

  finish(message) {
    if (this.frame) { cancelAnimationFrame(this.frame); this.flush(); }
    this.element.classList.remove('is-live');
    this.state.textContent = message || `${this.count} line${this.count === 1 ? '' : 's'}`;
    if (message === 'no output' && this.count === 0) this.lines.appendChild(h('div', {class: 'log-note'}, 'This step printed nothing.'));
  }
}
