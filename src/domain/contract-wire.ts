import type { BlueprintSummary, CompositionSummary } from './derived-fields.js';

/** A contracts row as postgres.js returns it (int8 as string, timestamptz as text in UTC). */
export type RawContractRow = {
  contract_id: string;
  issuer_id: string;
  issuer_corporation_id: string;
  start_location_id: string | null;
  start_location_system_id: string | null;
  end_location_id: string | null;
  type: string;
  title: string | null;
  for_corporation: boolean;
  date_issued: string;
  date_expired: string;
  price: number | null;
  collateral: number;
  reward: number | null;
  volume: number | null;
  buyout: number | null;
  days_to_complete: number | null;
  reward_per_volume: number | null;
  start_location_name: string | null;
  end_location_name: string | null;
  issuer_name: string | null;
  issuer_corporation_name: string | null;
  last_seen_at: string | null;
  is_ship_contract: boolean;
  is_blueprint_copy_contract: boolean;
  primary_label: string;
  composition: CompositionSummary | null;
  blueprint_summary: BlueprintSummary | null;
  current_bid: number | null;
  bid_count: number | null;
  bids_checked_at: string | null;
  end_location_system_id: string | null;
  route_jumps: number | null;
  route_jumps_highsec: number | null;
  reward_per_jump: number | null;
};

export type RawContractItemRow = {
  record_id: string;
  type_id: string;
  quantity: string;
  is_included: boolean;
  is_blueprint_copy: boolean | null;
  type_name: string | null;
  category: string | null;
  market_group_id: string | null;
  runs: number | null;
  material_efficiency: number | null;
  time_efficiency: number | null;
  category_id: string | null;
  group_id: string | null;
};

/** The contracts columns a list row or detail needs, in the order of RawContractRow. */
export const CONTRACT_WIRE_COLUMNS = [
  'contract_id', 'issuer_id', 'issuer_corporation_id', 'start_location_id', 'start_location_system_id',
  'end_location_id', 'type', 'title', 'for_corporation', 'date_issued', 'date_expired', 'price',
  'collateral', 'reward', 'volume', 'buyout', 'days_to_complete', 'reward_per_volume',
  'start_location_name', 'end_location_name', 'issuer_name', 'issuer_corporation_name', 'last_seen_at',
  'is_ship_contract', 'is_blueprint_copy_contract', 'primary_label', 'composition', 'blueprint_summary',
  'current_bid', 'bid_count', 'bids_checked_at', 'end_location_system_id', 'route_jumps', 'route_jumps_highsec',
  'reward_per_jump',
] as const;

export class UnsafeIdError extends Error {
  constructor(field: string) {
    super(`stored ${field} is not a safe integer`);
    this.name = 'UnsafeIdError';
  }
}

/** int8 text → JSON number; every real EVE id is below 2^53 (docs/api.md §3), anything else is a data fault. */
function int(value: string, field: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new UnsafeIdError(field);
  return parsed;
}

function intOrNull(value: string | null, field: string): number | null {
  return value === null ? null : int(value, field);
}

/**
 * "2026-07-21 09:16:09+00" (postgres text output with TimeZone=UTC) → "2026-07-21T09:16:09Z"; a
 * fraction is kept only when non-zero, then always with 6 digits (docs/api.md §3).
 */
export function formatTimestamp(text: string): string {
  const match = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?\+00(?::00)?$/.exec(text);
  if (!match) return new Date(text).toISOString().replace('.000Z', 'Z');
  const [, date, time, fraction] = match;
  const micros = (fraction ?? '').padEnd(6, '0');
  return micros === '000000' ? `${date}T${time}Z` : `${date}T${time}.${micros}Z`;
}

/** The same Postgres text as microseconds since the epoch (exact: below 2^53 until year 2255). */
export function timestampMicros(text: string): number {
  // The common shape, whole seconds ("2026-07-21 09:16:09+00"), without a regular expression: the
  // read model converts two per contract it loads.
  if (text.length === 22 && text.charCodeAt(10) === 32 && text.endsWith('+00')) {
    const digits = (from: number, to: number) => {
      let value = 0;
      for (let i = from; i < to; i++) value = value * 10 + text.charCodeAt(i) - 48;
      return value;
    };
    return Date.UTC(digits(0, 4), digits(5, 7) - 1, digits(8, 10), digits(11, 13), digits(14, 16), digits(17, 19)) * 1000;
  }
  const match = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\+00(?::00)?$/.exec(text);
  if (!match) return Date.parse(text) * 1000;
  const [, year, month, day, hour, minute, second, fraction] = match;
  const seconds = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) / 1000;
  return seconds * 1_000_000 + Number((fraction ?? '').padEnd(6, '0').slice(0, 6));
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
/** "YYYY-MM-DDT" per day number: a few hundred days cover every served timestamp. */
const DAY_PREFIXES = new Map<number, string>();

/**
 * Microseconds since the epoch in the wire format of formatTimestamp. The read model renders three
 * per row, so the date part is looked up per day and the time built from two-digit strings.
 */
export function formatTimestampMicros(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  const day = Math.floor(seconds / 86_400);
  let prefix = DAY_PREFIXES.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    if (DAY_PREFIXES.size >= 4096) DAY_PREFIXES.clear();
    DAY_PREFIXES.set(day, prefix);
  }
  const inDay = seconds - day * 86_400;
  const hours = Math.floor(inDay / 3600);
  const minutes = Math.floor((inDay - hours * 3600) / 60);
  const whole = `${prefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[inDay - hours * 3600 - minutes * 60]}`;
  return fraction === 0 ? `${whole}Z` : `${whole}.${String(fraction).padStart(6, '0')}Z`;
}

function timestampOrNull(text: string | null): string | null {
  return text === null ? null : formatTimestamp(text);
}

// jsonb stores object keys sorted by length, so stored composition and blueprint objects are
// rebuilt in the order of docs/api.md §8.
function orderedComposition(composition: CompositionSummary | null): CompositionSummary | null {
  if (composition === null) return null;
  return {
    categories: composition.categories.map((c) => ({ category_id: c.category_id, name: c.name, item_row_count: c.item_row_count })),
    total_item_rows: composition.total_item_rows,
    total_volume: composition.total_volume,
  };
}

function orderedBlueprintSummary(summary: BlueprintSummary | null): BlueprintSummary | null {
  if (summary === null) return null;
  return {
    runs: summary.runs,
    material_efficiency: summary.material_efficiency,
    time_efficiency: summary.time_efficiency,
    copy_count: summary.copy_count,
  };
}

/** The 28 fields of docs/api.md §7 in the table's order, then the extension fields (§14 bids, §13 routes). */
export function toContractListRow(row: RawContractRow) {
  return {
    contract_id: int(row.contract_id, 'contract_id'),
    issuer_id: int(row.issuer_id, 'issuer_id'),
    issuer_corporation_id: int(row.issuer_corporation_id, 'issuer_corporation_id'),
    start_location_id: intOrNull(row.start_location_id, 'start_location_id'),
    start_location_system_id: intOrNull(row.start_location_system_id, 'start_location_system_id'),
    end_location_id: intOrNull(row.end_location_id, 'end_location_id'),
    type: row.type,
    title: row.title,
    for_corporation: row.for_corporation,
    date_issued: formatTimestamp(row.date_issued),
    date_expired: formatTimestamp(row.date_expired),
    price: row.price,
    collateral: row.collateral,
    reward: row.reward,
    volume: row.volume,
    buyout: row.buyout,
    days_to_complete: row.days_to_complete,
    reward_per_volume: row.reward_per_volume,
    start_location_name: row.start_location_name,
    end_location_name: row.end_location_name,
    issuer_name: row.issuer_name,
    issuer_corporation_name: row.issuer_corporation_name,
    last_seen_at: timestampOrNull(row.last_seen_at),
    is_ship_contract: row.is_ship_contract,
    is_blueprint_copy_contract: row.is_blueprint_copy_contract,
    primary_label: row.primary_label,
    composition: orderedComposition(row.composition),
    blueprint_summary: orderedBlueprintSummary(row.blueprint_summary),
    current_bid: row.current_bid,
    bid_count: row.bid_count,
    bids_checked_at: timestampOrNull(row.bids_checked_at),
    end_location_system_id: intOrNull(row.end_location_system_id, 'end_location_system_id'),
    route_jumps: row.route_jumps,
    route_jumps_highsec: row.route_jumps_highsec,
    reward_per_jump: row.reward_per_jump,
  };
}

export type ContractListRow = ReturnType<typeof toContractListRow>;

/** The 13 item fields of docs/api.md §9. */
export function toContractItem(row: RawContractItemRow) {
  return {
    record_id: int(row.record_id, 'record_id'),
    type_id: int(row.type_id, 'type_id'),
    quantity: int(row.quantity, 'quantity'),
    is_included: row.is_included,
    is_blueprint_copy: row.is_blueprint_copy,
    type_name: row.type_name,
    category: row.category,
    market_group_id: intOrNull(row.market_group_id, 'market_group_id'),
    runs: row.runs,
    material_efficiency: row.material_efficiency,
    time_efficiency: row.time_efficiency,
    category_id: intOrNull(row.category_id, 'category_id'),
    group_id: intOrNull(row.group_id, 'group_id'),
  };
}

/** A known bid as the detail statement reads it (int8 as text, timestamptz as UTC text). */
export type RawContractBidRow = {
  bid_id: string;
  amount: number;
  date_bid: string;
};

/** docs/api.md §14: the detail's bids, `amount` descending then `bid_id` ascending (the statement's order). */
export function toContractBid(row: RawContractBidRow) {
  return { bid_id: int(row.bid_id, 'bid_id'), amount: row.amount, date_bid: formatTimestamp(row.date_bid) };
}

export function toContractDetail(row: RawContractRow, items: readonly RawContractItemRow[], bids: readonly RawContractBidRow[] = []) {
  return { ...toContractListRow(row), items: items.map(toContractItem), bids: bids.map(toContractBid) };
}

/** The detail's body as both read paths send it. */
export function contractDetailJson(row: RawContractRow, items: readonly RawContractItemRow[], bids: readonly RawContractBidRow[]): string {
  return JSON.stringify(toContractDetail(row, items, bids));
}
