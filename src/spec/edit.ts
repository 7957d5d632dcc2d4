/**
 * Line-based edits on a parsed spec: rules record replacements, deletions and insertions against
 * the lines they saw; `apply` produces the new text and a map from output lines to input lines.
 * Upstream formatting survives because untouched lines are copied byte for byte.
 */
import type { ParsedSpec } from './parse.js';

export interface Change {
  rule: string;
  /** 1-based line in the input the rule saw (for insertions: the line the text goes after/before). */
  line: number;
  kind: 'replace' | 'delete' | 'insert';
  before?: string;
  after?: string[];
}

export class SpecEditor {
  private readonly replaced = new Map<number, string>();
  private readonly deleted = new Set<number>();
  private readonly insertedAfter = new Map<number, string[]>();
  private readonly insertedBefore = new Map<number, string[]>();
  readonly changes: Change[] = [];

  constructor(readonly spec: ParsedSpec) {}

  /** The current text of a line (after earlier replacements). */
  text(index: number): string {
    return this.replaced.get(index) ?? this.spec.lines[index]!.text;
  }

  isDeleted(index: number): boolean {
    return this.deleted.has(index);
  }

  replace(index: number, text: string, rule: string): void {
    if (this.deleted.has(index)) return;
    const before = this.text(index);
    if (before === text) return;
    this.replaced.set(index, text);
    this.changes.push({ rule, line: index + 1, kind: 'replace', before, after: [text] });
  }

  delete(index: number, rule: string): void {
    if (this.deleted.has(index)) return;
    this.deleted.add(index);
    this.changes.push({ rule, line: index + 1, kind: 'delete', before: this.text(index) });
  }

  insertAfter(index: number, lines: string[], rule: string): void {
    if (lines.length === 0) return;
    this.insertedAfter.set(index, [...(this.insertedAfter.get(index) ?? []), ...lines]);
    this.changes.push({ rule, line: index + 1, kind: 'insert', after: lines });
  }

  insertBefore(index: number, lines: string[], rule: string): void {
    if (lines.length === 0) return;
    this.insertedBefore.set(index, [...(this.insertedBefore.get(index) ?? []), ...lines]);
    this.changes.push({ rule, line: index + 1, kind: 'insert', after: lines });
  }

  /**
   * Deletes lines [start, end) except conditional directives whose partners lie outside the range
   * (deleting them would unbalance %if/%endif around the range).
   */
  deleteRange(start: number, end: number, rule: string): void {
    const inRange = (i: number): boolean => i >= start && i < end;
    const byLine = new Map(this.spec.conditionals.map((c) => [c.line, c]));
    for (let i = start; i < end; i++) {
      const cond = byLine.get(i);
      if (cond) {
        const opener = byLine.get(cond.opener);
        const group = opener ? [opener.line, ...opener.partners] : [i];
        if (!group.every(inRange)) continue;
      }
      this.delete(i, rule);
    }
  }

  /** The new text, and for every output line the 0-based input line it came from (null: inserted). */
  apply(): { text: string; origin: Array<number | null> } {
    const { lines } = this.spec;
    const eol = lines.find((l) => l.eol !== '')?.eol ?? '\n';
    let text = '';
    const origin: Array<number | null> = [];
    const emit = (line: string, from: number | null, ending: string): void => {
      text += line + ending;
      origin.push(from);
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      for (const added of this.insertedBefore.get(i) ?? []) emit(added, null, eol);
      if (!this.deleted.has(i)) emit(this.text(i), i, line.eol === '' && this.insertedAfter.has(i) ? eol : line.eol);
      const after = this.insertedAfter.get(i) ?? [];
      after.forEach((added, k) => emit(added, null, k === after.length - 1 && line.eol === '' ? '' : eol));
    }
    return { text, origin };
  }
}
