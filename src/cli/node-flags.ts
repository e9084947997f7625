import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The Node flags an npm script gives its program (`"sync": "tsx --max-old-space-size=1024 …"`),
 * so a process spawned directly (the demo's service, the benchmark's children) runs exactly what
 * `npm start` / `npm run sync` run. package.json stays the one place they are set.
 */
export function nodeFlagsOf(script: 'start' | 'sync'): string[] {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = scripts[script];
  if (command === undefined) throw new Error(`package.json has no "${script}" script`);
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'tsx') throw new Error(`package.json "${script}" does not start with tsx: ${command}`);
  const flags: string[] = [];
  for (const word of words.slice(1)) {
    if (!word.startsWith('--')) break;
    flags.push(word);
  }
  return flags;
}
