import { sql, type SQL } from 'drizzle-orm';

// postgres.js does not bind JS arrays inside Drizzle `sql` templates, so id sets travel as one
// array-literal parameter: one bind per set, never one per id (a statement takes at most 65,535).

export function bigintArray(values: readonly (bigint | number)[]): SQL {
  return sql`${`{${values.join(',')}}`}::bigint[]`;
}

export function textArray(values: readonly string[]): SQL {
  const quoted = values.map((value) => `"${value.replace(/["\\]/g, (ch) => `\\${ch}`)}"`);
  return sql`${`{${quoted.join(',')}}`}::text[]`;
}
