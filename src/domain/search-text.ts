/**
 * Search normalisation shared by the write path (stored `search_text`) and the read path (the
 * `search` parameter), so both sides lowercase and clean text with the same function.
 */

// ASCII control characters become spaces so that a query can never match across two texts
// (the stored texts are joined by U+001F, which a normalised query therefore cannot contain).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

export const SEARCH_TEXT_SEPARATOR = '\u001f';

export function normalizeSearchFragment(text: string): string {
  return text.replace(CONTROL_CHARS, ' ').toLowerCase();
}

/** Builds the stored search text from a contract's title and its offered items' type names. */
export function buildSearchText(title: string | null, offeredTypeNames: readonly (string | null)[]): string {
  const parts: string[] = [];
  if (title) parts.push(normalizeSearchFragment(title));
  for (const name of offeredTypeNames) if (name) parts.push(normalizeSearchFragment(name));
  return parts.join(SEARCH_TEXT_SEPARATOR);
}
