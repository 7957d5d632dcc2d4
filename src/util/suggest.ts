/** "Did you mean …?" suggestions for names a user mistyped (packages, upstream ids, commands). */
import { distance } from 'fastest-levenshtein';

/**
 * The candidates closest to `input`, best first: edit distance within about a third of the
 * input's length (at least 2), plus candidates that contain the input or that it contains
 * (so "ssh" finds "openssh"). Case-insensitive; at most `limit` results.
 */
export function closeMatches(input: string, candidates: Iterable<string>, limit = 5): string[] {
  const needle = input.toLowerCase();
  const maxDistance = Math.max(2, Math.floor(needle.length / 3));
  const scored: Array<{ name: string; score: number }> = [];
  const seen = new Set<string>();
  for (const name of candidates) {
    if (seen.has(name)) continue;
    seen.add(name);
    const hay = name.toLowerCase();
    if (hay === needle) continue;
    const d = distance(needle, hay);
    if (d <= maxDistance) scored.push({ name, score: d });
    else if ((needle.length >= 3 && hay.includes(needle)) || (hay.length >= 3 && needle.includes(hay)))
      scored.push({ name, score: maxDistance + 1 + Math.abs(hay.length - needle.length) / 100 });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((s) => s.name);
}
