import { describe, expect, it } from 'vitest';
import { HeldDetails } from '../../../src/read-model/held-details.js';

const item = (recordId: number, typeId: number) =>
  `{"record_id":${recordId},"type_id":${typeId},"quantity":1,"is_included":true,"is_blueprint_copy":false,"type_name":"Rifter",` +
  `"category":"ship","market_group_id":64,"runs":null,"material_efficiency":null,"time_efficiency":null,"category_id":6,"group_id":25}`;

const body = (contractId: number) =>
  Buffer.from(
    `{"contract_id":${contractId},"issuer_id":2112625428,"type":"item_exchange","title":"Fitted Rifter ${contractId}","price":12500000,` +
      `"items":[${item(contractId * 10, 587)},${item(contractId * 10 + 1, 2185)}],"bids":[]}`,
  );

describe('HeldDetails', () => {
  it('gives back the exact bytes it was given, packed to a fraction of their size', () => {
    const held = new HeldDetails();
    for (let id = 1; id <= 100; id++) held.hold(id, body(id));
    for (let id = 1; id <= 100; id++) expect(held.body(id)?.equals(body(id)), String(id)).toBe(true);
    expect(held.size).toBe(100);
    const raw = Array.from({ length: 100 }, (_, i) => body(i + 1).length).reduce((a, b) => a + b, 0);
    expect(held.bytes).toBeLessThan(raw / 2);
    expect(held.body(101)).toBeUndefined();
  });

  it('a change drops the body and, for a contract it is to hold, queues it to be read again; forget drops both', () => {
    const held = new HeldDetails();
    held.hold(1, body(1));
    held.hold(2, body(2));
    held.invalidate(1, true);
    held.invalidate(2, false);
    held.invalidate(3, true);
    expect(held.body(1)).toBeUndefined();
    expect(held.body(2)).toBeUndefined();
    expect(held.nextPending(10)).toEqual([1, 3]);
    expect(held.nextPending(1)).toEqual([1]);
    held.hold(1, body(1));
    expect(held.isPending(1)).toBe(false);
    expect(held.pendingCount).toBe(1);
    held.forget(3);
    held.forget(1);
    expect(held.pendingCount).toBe(0);
    expect(held.size).toBe(0);
    expect(held.bytes).toBe(0);
  });

  it('past its budget it lets go of the least recently used bodies; a budget of 0 holds none and queues none', () => {
    const one = new HeldDetails();
    one.hold(1, body(1));
    const perBody = one.bytes;
    const held = new HeldDetails(perBody * 10.5);
    for (let id = 1; id <= 10; id++) held.hold(id, body(id));
    expect(held.size).toBe(10);
    held.body(1);
    held.hold(11, body(11));
    held.hold(12, body(12));
    expect(held.size).toBe(10);
    expect(held.bytes).toBeLessThanOrEqual(perBody * 10.5);
    expect(held.body(1)?.equals(body(1)), 'used since, so kept').toBe(true);
    expect(held.body(2)).toBeUndefined();
    expect(held.body(3)).toBeUndefined();
    expect(held.body(12)?.equals(body(12))).toBe(true);

    const none = new HeldDetails(0);
    none.invalidate(1, true);
    expect(none.pendingCount).toBe(0);
    none.hold(1, body(1));
    expect(none.size).toBe(0);
    expect(none.body(1)).toBeUndefined();
  });
});
