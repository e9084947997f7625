/**
 * The 13 item fields of docs/api.md §9 as PostgreSQL builds them into JSON, int8 values as text (the
 * shape postgres.js gives the SQL path's rows): as objects for the detail statement, and as arrays
 * (a third of the bytes) for the read model's loads.
 */
import { sql } from 'drizzle-orm';
import type { RawContractItemRow } from '../domain/contract-wire.js';

const ITEM_FIELDS: readonly (readonly [keyof RawContractItemRow, string])[] = [
  ['record_id', 'i.record_id::text'],
  ['type_id', 'i.type_id::text'],
  ['quantity', 'i.quantity::text'],
  ['is_included', 'i.is_included'],
  ['is_blueprint_copy', 'i.is_blueprint_copy'],
  ['type_name', 'i.type_name'],
  ['category', 'i.category'],
  ['market_group_id', 'i.market_group_id::text'],
  ['runs', 'i.runs'],
  ['material_efficiency', 'i.material_efficiency'],
  ['time_efficiency', 'i.time_efficiency'],
  ['category_id', 'i.category_id::text'],
  ['group_id', 'i.group_id::text'],
];

export const ITEM_FIELD_NAMES = ITEM_FIELDS.map(([name]) => name);

/** Arguments of json_build_object for an item of `contract_items i`. */
export const ITEM_JSON_OBJECT = sql.raw(ITEM_FIELDS.map(([name, expression]) => `'${name}', ${expression}`).join(', '));

/** Arguments of json_build_array for an item of `contract_items i`, read back by `itemFromJsonArray`. */
export const ITEM_JSON_ARRAY = sql.raw(ITEM_FIELDS.map(([, expression]) => expression).join(', '));

export function itemFromJsonArray(values: readonly unknown[]): RawContractItemRow {
  const item: Record<string, unknown> = {};
  for (let i = 0; i < ITEM_FIELDS.length; i++) item[ITEM_FIELDS[i]![0]] = values[i];
  return item as RawContractItemRow;
}
