/**
 * `npx tsx bench/render.ts bench/results/<file>.json`: prints the markdown report of a saved run
 * (the tables BENCHMARKS.md quotes), recomputing the target verdicts from its figures.
 */
import { readFileSync } from 'node:fs';
import { computeTargets, markdownReport, type BenchResult } from './lib/report.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx bench/render.ts bench/results/<file>.json');
  process.exit(64);
}
const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
console.log(markdownReport({ ...result, targets: computeTargets(result.read, result.sync) }));
