import { describe, expect, it } from 'vitest';
import { createWriteGate } from '../../../src/sync/write-gate.js';

describe('the write gate between the items and bids phases', () => {
  it('runs one write at a time, in arrival order, and a failed write does not block the next', async () => {
    const gate = createWriteGate();
    const events: string[] = [];
    let open = 0;
    const write = (name: string, fail = false) =>
      gate(async () => {
        open += 1;
        events.push(`${name}:${open}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        open -= 1;
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([write('a'), write('b', true), write('c')]);
    expect(events).toEqual(['a:1', 'b:1', 'c:1']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
