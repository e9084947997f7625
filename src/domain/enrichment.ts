/**
 * Version of the enrichment rules (type → group → category, derived fields). Bumping it makes the
 * sync re-enrich every fetched contract from its stored items, and taxonomy coverage reads
 * "partial" until that catch-up completes (docs/sync.md §5.5, docs/api.md §10).
 */
export const ENRICHMENT_VERSION = 1;
