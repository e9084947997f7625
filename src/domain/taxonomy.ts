/**
 * GET /contracts/taxonomy (docs/api.md §10): the body from the facts both the read model and the SQL
 * path gather.
 */
import { compareCodePoints } from './code-point-order.js';

export interface TaxonomyFacts {
  /** Resolved (named) categories and groups. */
  categories: { categoryId: number; name: string }[];
  groups: { groupId: number; categoryId: number | null; name: string }[];
  /** Live item-bearing contracts whose items are not permanently unavailable. */
  populationSize: number;
  /** Of those, items fetched and enrichment complete at the current version. */
  populationComplete: number;
  /** Some item of the population has a category that is not resolved. */
  unnamedCategoryOnPopulation: boolean;
}

/** 99 % of the population must be complete. */
const COMPLETE_SHARE = 0.99;

export function renderTaxonomy(facts: TaxonomyFacts): string {
  const categories = [...facts.categories]
    .sort((a, b) => compareCodePoints(a.name, b.name) || a.categoryId - b.categoryId)
    .map((c) => ({ category_id: c.categoryId, name: c.name }));
  const groups = [...facts.groups]
    .sort((a, b) => compareCodePoints(a.name, b.name) || a.groupId - b.groupId)
    .map((g) => ({ group_id: g.groupId, category_id: g.categoryId, name: g.name }));
  const populationComplete = facts.populationSize > 0 && facts.populationComplete >= COMPLETE_SHARE * facts.populationSize;
  const coverage = populationComplete && !facts.unnamedCategoryOnPopulation ? 'complete' : 'partial';
  return JSON.stringify({ categories, groups, coverage });
}
