/**
 * Code point order, the order of PostgreSQL's `COLLATE "C"` on UTF-8 and of docs/api.md's "by code
 * point" rules. Plain `<` on JS strings compares UTF-16 code units, which puts astral characters
 * (surrogate pairs, U+D800–U+DFFF) before U+E000–U+FFFF; remapping the first differing unit fixes
 * that without iterating code points.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
