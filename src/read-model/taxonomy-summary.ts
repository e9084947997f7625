/** The taxonomy facts (docs/api.md §10) from the store, for the live set at L. */
import type { TaxonomyFacts } from '../domain/taxonomy.js';
import { andNotInto, countBits, hasBit, popcount, type Bits } from './bitset.js';
import type { ContractStore } from './contract-store.js';
import { CHUNK_WORDS, comboOf } from './slot-space.js';

const UNOWNED = 255;

export function taxonomyFacts(store: ContractStore, live: Bits): TaxonomyFacts {
  const categories: TaxonomyFacts['categories'] = [];
  const named = new Set<number>();
  for (const [categoryId, name] of store.taxonomy.categories) {
    if (name === null) continue;
    categories.push({ categoryId, name });
    named.add(categoryId);
  }
  const groups: TaxonomyFacts['groups'] = [];
  for (const [groupId, group] of store.taxonomy.groups) {
    if (group.name !== null) groups.push({ groupId, categoryId: group.categoryId, name: group.name });
  }

  // The population: live item-bearing contracts (whole chunks by owner) whose items are not unavailable.
  const itemBearing = new Set([comboOf('item_exchange', false), comboOf('item_exchange', true), comboOf('auction', false), comboOf('auction', true)]);
  const population = Uint32Array.from(live);
  const { chunkCombo } = store.space;
  for (let chunk = 0; chunk < chunkCombo.length; chunk++) {
    const combo = chunkCombo[chunk]!;
    if (combo === UNOWNED || !itemBearing.has(combo)) population.fill(0, chunk * CHUNK_WORDS, (chunk + 1) * CHUNK_WORDS);
  }
  andNotInto(population, store.itemsUnavailable);
  const populationSize = countBits(population);
  let populationComplete = 0;
  for (let i = 0; i < population.length; i++) {
    const word = population[i]! & store.enrichmentComplete[i]!;
    if (word !== 0) populationComplete += popcount(word);
  }

  let unnamedCategoryOnPopulation = false;
  for (const categoryId of store.allCategories.keys()) {
    if (named.has(categoryId)) continue;
    if (store.allCategories.someHolder(categoryId, (slot) => hasBit(population, slot))) {
      unnamedCategoryOnPopulation = true;
      break;
    }
  }
  return { categories, groups, populationSize, populationComplete, unnamedCategoryOnPopulation };
}
