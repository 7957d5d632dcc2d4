/**
 * A streaming XML scanner for repository metadata: the events the repodata readers use (element
 * open with attributes, element close with the text since the previous tag). Tags are found by
 * regular expressions, which run as native code from the first call; a general parser (saxes)
 * walks every character in JavaScript, and one pass over a large primary.xml is over before the JIT
 * has made that fast.
 *
 * It checks what would otherwise turn into wrong records: tags nest and match, attributes are
 * quoted and hold no '<', entities are the predefined or numeric ones, no stray '<' sits in text,
 * nothing but whitespace and markup is outside the root element, and the document is complete at
 * the end. DTDs are skipped, not read (repodata has none). Element names are reported without
 * their namespace prefix.
 *
 * Memory is bounded whatever the input: text is consumed as it arrives (kept only when an event
 * will read it, else checked and dropped), an unfinished tag is scanned again only once a '>'
 * arrives, and a single tag, text node or captured element longer than its limit is an error
 * (a gzip bomb of whitespace is read in constant memory, never rescanned).
 *
 * Why not saxes (issue 15 item 8): a CPU profile of a cold `install git --dry-run` on a 63,441-
 * package repository (Debian bookworm as yum metadata, scripts/bench/debian-repo.ts) spends about
 * 34% of its busy time in this scanner and its regular expressions, above the 10% under which a
 * maintained parser would have replaced it.
 */

export interface XmlEvents {
  open(name: string, attrs: Record<string, string>): void;
  /** `text`: character data (and CDATA) since the previous tag, entities decoded. */
  close(name: string, text: string): void;
  /** With the `capture` option: the source of each element of that name, start tag to end tag, after its close. */
  captured?(xml: string): void;
}

/**
 * The next tag: [1] '/' of an end tag, [2] its name, [3] what follows the name up to the first
 * '>' (attributes, the '/' of an empty-element tag); or [4] the start of a comment, CDATA
 * section, processing instruction or DOCTYPE.
 */
const TAG = /<(\/?)([^\s>/!?]+)([^>]*)>|<(!--|!\[CDATA\[|\?|!DOCTYPE)/g;
const ATTRIBUTE = /\s*([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
const ENTITY = /&([^;&<>\s]*);?/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntity(whole: string, ref: string): string {
  if (!whole.endsWith(';')) throw new Error(`unterminated entity reference "${whole}"`);
  if (ref.startsWith('#')) {
    if (!/^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.test(ref)) throw new Error(`bad character reference "${whole}"`);
    const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    if (code < 1 || code > 0x10ffff) throw new Error(`bad character reference "${whole}"`);
    return String.fromCodePoint(code);
  }
  const c = PREDEFINED[ref];
  if (c === undefined) throw new Error(`undefined entity "${whole}"`);
  return c;
}

/** Text or an attribute value with its predefined and numeric entity references decoded; throws on any other. */
export function decodeEntities(s: string): string {
  return s.indexOf('&') < 0 ? s : s.replace(ENTITY, decodeEntity);
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

const isBlank = (s: string): boolean => s.trim().length === 0;

/** Longest single piece of input the scanner holds, in characters. */
export interface ScanLimits {
  /** A tag, comment, CDATA section, processing instruction or DOCTYPE (default 4 Mi). */
  markup: number;
  /** The text an event reads (one element's character data; default 16 Mi). */
  text: number;
  /** The source of one captured element (default 64 Mi). */
  capture: number;
}

const DEFAULT_SCAN_LIMITS: ScanLimits = { markup: 4 << 20, text: 16 << 20, capture: 64 << 20 };

const MiB = (n: number): string => (n >= 1 << 20 ? `${n / (1 << 20)} Mi` : `${n}`);

/** The attributes of a start tag (`text`: what follows the name), or null when they are not well formed. */
function parseAttributes(text: string): Record<string, string> | null {
  const attrs: Record<string, string> = {};
  if (text.length === 0) return attrs;
  if (text.indexOf('<') >= 0) return null;
  ATTRIBUTE.lastIndex = 0;
  let end = 0;
  for (let m = ATTRIBUTE.exec(text); m !== null; m = ATTRIBUTE.exec(text)) {
    attrs[m[1]!] = decodeEntities(m[2] ?? m[3]!);
    end = ATTRIBUTE.lastIndex;
  }
  return end === text.length || isBlank(text.slice(end)) ? attrs : null;
}

/** What parseAttributes accepts, tested without reading it. */
const ATTRIBUTES = /^(?:\s*[^\s=]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*$/;
const NO_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** A start tag's attributes (`text`: what follows the name, '/' of an empty-element tag included), checked; read only when `wanted`. */
function readAttributes(text: string, wanted: boolean): Record<string, string> | null {
  const list = text.endsWith('/') ? text.slice(0, -1) : text;
  if (wanted) return parseAttributes(list);
  return list.length === 0 || ATTRIBUTES.test(list) ? NO_ATTRIBUTES : null;
}

/** End (after '>') of the start tag at `lt`, quotes respected ('>' may sit in a quoted value), or -1 when incomplete. */
function quotedTagEnd(s: string, lt: number): number {
  for (let i = lt + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 62) return i + 1;
    if (c === 34 || c === 39) {
      const close = s.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close < 0) return -1;
      i = close;
    }
  }
  return -1;
}

export class XmlScanner {
  private readonly events: XmlEvents;
  /** Own copy of TAG: its lastIndex is this scanner's position. */
  private readonly tag = new RegExp(TAG);
  /** Unconsumed input: from the end of the last complete token. */
  private rest = '';
  /** Decoded text of the current run before a comment or CDATA section in it (rare). */
  private carried = '';
  /** Raw text of the current run from earlier inputs (held only when an event may read it). */
  private pending: string[] = [];
  private pendingLength = 0;
  private readonly limits: ScanLimits;
  private readonly stack: string[] = [];
  private sawRoot = false;
  private rootClosed = false;
  private readonly captureName: string | null;
  private readonly attributesOf: ((name: string) => boolean) | null;
  private readonly textOf: ((name: string) => boolean) | null;
  /** Stack depth of the element being captured (-1: none), its source so far, and where it goes on in the current input. */
  private captureDepth = -1;
  private captured = '';
  private captureFrom = 0;

  /**
   * `capture`: an element name whose source text is passed to events.captured (not nested in itself).
   * `attributesOf`: the elements whose attributes the events read; the others get none (checked, not read).
   * `textOf`: the elements whose text the events read; the others get '' (checked for stray '<' only).
   */
  constructor(
    events: XmlEvents,
    options: {
      capture?: string;
      attributesOf?: (name: string) => boolean;
      textOf?: (name: string) => boolean;
      limits?: Partial<ScanLimits>;
    } = {},
  ) {
    this.events = events;
    this.limits = { ...DEFAULT_SCAN_LIMITS, ...options.limits };
    this.captureName = options.capture ?? null;
    this.attributesOf = options.attributesOf ?? null;
    this.textOf = options.textOf ?? null;
  }

  write(chunk: string): void {
    if (this.rest.length > 0 && chunk.indexOf('>') < 0) {
      // an unfinished tag (or comment, CDATA, PI) cannot end without a '>': nothing to scan yet
      this.rest += chunk;
      this.checkRest();
      return;
    }
    const s = this.rest.length > 0 ? this.rest + chunk : chunk;
    this.rest = s.slice(this.scan(s));
    this.checkRest();
  }

  private checkRest(): void {
    if (this.rest.length > this.limits.markup)
      throw new Error(`a tag longer than ${MiB(this.limits.markup)} characters: "${this.rest.slice(0, 40)}"`);
  }

  /** Ends the document: anything left open or unfinished is an error. */
  close(): void {
    const tail = this.rest;
    this.rest = '';
    if (this.stack.length > 0)
      throw new Error(`unexpected end of document: <${this.stack[this.stack.length - 1]}> is not closed`);
    if (!isBlank(tail)) throw new Error(`unexpected end of document: "${tail.trim().slice(0, 40)}"`);
    if (!this.sawRoot) throw new Error('no root element');
  }

  /** Checks the text run from `from` to the tag at `to` without reading it. */
  private checkText(s: string, from: number, to: number): void {
    const lt = s.indexOf('<', from);
    if (lt >= 0 && lt < to) throw new Error(`"<" that starts no tag: "${s.slice(lt, lt + 20)}"`);
    if (this.stack.length === 0 && !isBlank(s.slice(from, to)))
      throw new Error(`text outside the root element: "${s.slice(from, to).trim().slice(0, 40)}"`);
  }

  /** The text run from `from` to the tag at `to`: checked, entities decoded, after what was carried and held. */
  private text(s: string, from: number, to: number): string {
    if (from === to && this.carried.length === 0 && this.pendingLength === 0) return '';
    this.checkText(s, from, to);
    let raw = s.slice(from, to);
    if (this.pendingLength > 0) {
      raw = this.pending.join('') + raw;
      this.dropPending();
    }
    const text = decodeEntities(raw);
    if (this.carried.length === 0) return text;
    const all = this.carried + text;
    this.carried = '';
    return all;
  }

  private dropPending(): void {
    if (this.pendingLength === 0) return;
    this.pending = [];
    this.pendingLength = 0;
  }

  /**
   * The text from `from` to `to` at the end of an input (no '<' in it): the start of a run whose
   * tag has not arrived. Kept only when the open element's text is read, else checked and dropped.
   */
  private holdText(s: string, from: number, to: number): void {
    const open = this.stack[this.stack.length - 1];
    if (open === undefined) {
      if (!isBlank(s.slice(from, to)))
        throw new Error(`text outside the root element: "${s.slice(from, to).trim().slice(0, 40)}"`);
      return;
    }
    if (this.textOf !== null && !this.textOf(localName(open))) return;
    this.pending.push(s.slice(from, to));
    this.pendingLength += to - from;
    if (this.pendingLength + this.carried.length > this.limits.text)
      throw new Error(`text in <${open}> longer than ${MiB(this.limits.text)} characters`);
  }

  /** Consumes every complete token of `s` and the text after the last one; returns where the unconsumed part (an unfinished tag) starts. */
  private scan(s: string): number {
    const end = this.tokens(s);
    const lt = s.indexOf('<', end);
    const consumed = lt < 0 ? s.length : lt;
    if (consumed > end) this.holdText(s, end, consumed);
    if (this.captureDepth >= 0) {
      this.captured += s.slice(this.captureFrom, consumed);
      this.captureFrom = 0; // the next input starts with what was not consumed
      if (this.captured.length > this.limits.capture)
        throw new Error(`a <${this.captureName}> element longer than ${MiB(this.limits.capture)} characters`);
    }
    return consumed;
  }

  private endCapture(s: string, end: number): void {
    const xml = this.captured + s.slice(this.captureFrom, end);
    this.captured = '';
    this.captureDepth = -1;
    this.events.captured!(xml);
  }

  private tokens(s: string): number {
    const stack = this.stack;
    const events = this.events;
    const tag = this.tag;
    let pos = 0; // start of the text run since the last token
    tag.lastIndex = 0;
    for (let m = tag.exec(s); m !== null; m = tag.exec(s)) {
      const lt = m.index;
      if (m[4] !== undefined) {
        const end = this.special(s, lt, m[4]);
        if (end < 0) return pos;
        this.carried = this.text(s, pos, lt);
        if (m[4] === '![CDATA[') {
          if (stack.length === 0) throw new Error('CDATA outside the root element');
          this.carried += s.slice(lt + 9, end - 3);
          if (this.carried.length > this.limits.text)
            throw new Error(`text in <${stack[stack.length - 1]}> longer than ${MiB(this.limits.text)} characters`);
        }
        pos = end;
        tag.lastIndex = end;
        continue;
      }
      const qname = m[2]!;
      if (m[1] === '/') {
        if (m[3]!.length !== 0 && !isBlank(m[3]!)) throw new Error(`bad end tag </${qname}${m[3]}>`);
        const name = localName(qname);
        let text = '';
        if (this.textOf === null || this.textOf(name)) {
          text = this.text(s, pos, lt);
        } else {
          if (lt > pos) this.checkText(s, pos, lt);
          this.carried = '';
          this.dropPending();
        }
        const open = stack.pop();
        if (open !== qname)
          throw new Error(
            open === undefined
              ? `end tag </${qname}> without a start tag`
              : `end tag </${qname}> does not match <${open}>`,
          );
        events.close(name, text);
        if (stack.length === 0) this.rootClosed = true;
        if (this.captureDepth === stack.length) this.endCapture(s, tag.lastIndex);
        pos = tag.lastIndex;
        continue;
      }
      const name = localName(qname);
      const wanted = this.attributesOf === null || this.attributesOf(name);
      let rest = m[3]!;
      let end = tag.lastIndex;
      let attrs = readAttributes(rest, wanted);
      if (attrs === null) {
        // a quoted '>' ended the match early: find the real end of the tag
        end = quotedTagEnd(s, lt);
        if (end < 0) return pos;
        rest = s.slice(lt + 1 + qname.length, end - 1);
        attrs = readAttributes(rest, wanted);
        if (attrs === null) throw new Error(`bad attributes in <${qname}${rest.slice(0, 60)}>`);
      }
      // text before a child element belongs to no event
      if (lt > pos) this.checkText(s, pos, lt);
      this.carried = '';
      this.dropPending();
      if (stack.length === 0) {
        if (this.rootClosed) throw new Error(`a second root element <${qname}>`);
        this.sawRoot = true;
      }
      if (name === this.captureName && this.captureDepth < 0) {
        this.captureDepth = stack.length;
        this.captureFrom = lt;
      }
      events.open(name, attrs);
      if (rest.endsWith('/')) {
        events.close(name, '');
        if (stack.length === 0) this.rootClosed = true;
        if (this.captureDepth === stack.length) this.endCapture(s, end);
      } else {
        stack.push(qname);
      }
      pos = end;
      tag.lastIndex = end;
    }
    return pos;
  }

  /** End (exclusive) of the comment, CDATA section, PI or DOCTYPE at `lt`, or -1 when it is not complete yet. */
  private special(s: string, lt: number, kind: string): number {
    const find = (marker: string, from: number): number => {
      const at = s.indexOf(marker, from);
      return at < 0 ? -1 : at + marker.length;
    };
    switch (kind) {
      case '!--':
        return find('-->', lt + 4);
      case '![CDATA[':
        return find(']]>', lt + 9);
      case '?':
        return find('?>', lt + 2);
      default: {
        const gt = s.indexOf('>', lt);
        const bracket = s.indexOf('[', lt);
        if (gt < 0) return -1;
        return bracket >= 0 && bracket < gt ? find(']>', bracket) : gt + 1;
      }
    }
  }
}
