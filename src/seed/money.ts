/**
 * Prices, rewards, collateral and volumes of a synthetic contract, shaped like real listings:
 * log-uniform prices typed by humans, 0 where ESI sends 0, float noise on volumes.
 */
import { offeredVolume, type ItemDraft, type Theme } from './items.js';
import type { Random } from './random.js';

const COURIER_DAYS = [1, 3, 3, 7, 7, 7, 10, 14, 30];

export interface Money {
  price: number;
  collateral: number;
  reward: number;
  volume: number;
  buyout: number | null;
  daysToComplete: number;
}

/** A price as players type it: mostly 3 significant digits, some "…999,999", a few with decimals. */
function humanPrice(random: Random, min: number, max: number): number {
  const raw = random.logUniform(min, max);
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(raw)) - 2);
  const rounded = Math.max(min, Math.round(raw / magnitude) * magnitude);
  const style = random.next();
  if (style < 0.1 && rounded > 1000) return rounded - 1;
  if (style < 0.15) return Math.round(raw * 100) / 100;
  return rounded;
}

/** A volume with ESI's float noise (`274.4699999999999`) on some rows. */
function noisyVolume(random: Random, min: number, max: number): number {
  const volume = Math.round(random.logUniform(min, max) * 100) / 100;
  return random.chance(0.4) ? volume * (1 - Number.EPSILON * random.int(1, 4)) : volume;
}

// ESI sends reward 0, collateral 0 and days_to_complete 0 on non-couriers (real 2023 listings).
export function contractMoney(type: string, theme: Theme | null, drafts: readonly ItemDraft[], random: Random): Money {
  switch (type) {
    case 'courier':
      return {
        price: 0,
        collateral: random.chance(0.1) ? 0 : humanPrice(random, 1e6, 1e10),
        reward: humanPrice(random, 1e5, 1e9),
        volume: noisyVolume(random, 1, 360_000),
        buyout: null,
        daysToComplete: random.pick(COURIER_DAYS),
      };
    case 'loan':
      return {
        price: humanPrice(random, 1e6, 1e9),
        collateral: humanPrice(random, 1e7, 1e10),
        reward: 0,
        volume: noisyVolume(random, 1, 100_000),
        buyout: null,
        daysToComplete: 0,
      };
    case 'auction': {
      const price = humanPrice(random, 1e4, 1e10);
      const roll = random.next();
      const buyout = roll < 0.6 ? humanPrice(random, price * 1.2, price * 20) : roll < 0.85 ? 0 : null;
      return { price, collateral: 0, reward: 0, volume: offeredVolume(drafts), buyout, daysToComplete: 0 };
    }
    default:
      if (theme === 'want_to_buy') {
        return { price: 0, collateral: 0, reward: humanPrice(random, 1e5, 5e9), volume: 0, buyout: null, daysToComplete: 0 };
      }
      return { price: humanPrice(random, 1e4, 1e10), collateral: 0, reward: 0, volume: offeredVolume(drafts), buyout: null, daysToComplete: 0 };
  }
}
