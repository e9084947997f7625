/**
 * Contract titles as players write them: mostly none (""), otherwise short sales pitches with the
 * odd %, _ or non-ASCII character that the search's LIKE escaping and normalisation must survive.
 */
import type { ItemDraft, Theme } from './items.js';
import type { Random } from './random.js';

const GENERIC = [
  'Loot',
  'Mining stuff',
  'Ärger im Paradies',
  'Mission loot — cheap',
  'Für Neulinge',
  'Fitting_sale',
  '50% off modules',
  'ammo + drones',
  'Cargo ★ clearance',
  'Корабли и модули',
  '  moving out, everything must go  ',
  'high rof! 27.2 dps',
  '100%_legit',
];
const BPC = ['BPC pack', 'ME10_TE20 copies', 'Blueprint copies 10% below Jita', 'BPCs – günstig', 'research leftovers'];
const BPO = ['BPO 10/20', 'Researched BPO', 'Originals (ME/TE 10/20)'];

/** A title for the contract, or "" (about 60 % of all contracts). */
export function contractTitle(
  theme: Theme | 'courier' | 'loan',
  drafts: readonly ItemDraft[],
  route: { from: string | null; to: string | null },
  random: Random,
): string {
  const withTitle = theme === 'want_to_buy' ? 0.85 : theme === 'courier' ? 0.3 : 0.39;
  if (!random.chance(withTitle)) return '';
  const first = drafts[0];
  const name = first?.type.name ?? 'stuff';
  switch (theme) {
    case 'ship':
      return random.pick([`WTS ${name} fit`, `${name} fully fitted`, name, `PvP ${name} - cheap`, `${name} + fittings`, `${name} 100% ready`]);
    case 'bpc':
      return random.pick([...BPC, `${name.replace(/ Blueprint$/, '')} BPC x${first?.runs ?? 1}`, `${name} ME${first?.materialEfficiency ?? 10}/TE${first?.timeEfficiency ?? 20}`]);
    case 'bpo':
      return random.pick([...BPO, `${name.replace(/ Blueprint$/, '')} BPO`]);
    case 'want_to_buy':
      return random.pick([`WTB ${name}`, `WTB ${name} 4,60 Billion`, `Want to buy: ${name}`, `wtb ${name.toLowerCase()}`]);
    case 'courier':
      return route.from !== null && route.to !== null
        ? random.pick([`${route.from} -> ${route.to}`, `Haul to ${route.to}`, 'Rush', 'Please do not fail'])
        : random.pick(['Rush', 'Please do not fail', 'Courier']);
    case 'loan':
      return random.pick(['Loan', 'Ship loan, return in 7 days']);
    case 'generic':
      return random.chance(0.3) && first ? `${name} x${first.quantity}` : random.pick(GENERIC);
  }
}
