import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface NodeCommand {
  /** Node's own flags (`--max-old-space-size=1024`, …). */
  readonly nodeArgs: string[];
  /** The entry point, absolute. */
  readonly entry: string;
}

/**
 * The program an npm script runs (`"start": "exec node --max-old-space-size=1024 … dist/server.js"`),
 * so a process spawned directly (the demo's service, the benchmark's children) runs exactly what
 * `npm start` / `npm run sync` run. package.json stays the one place flags and entry points are set.
 */
export function nodeCommandOf(script: 'start' | 'sync'): NodeCommand {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = scripts[script];
  if (command === undefined) throw new Error(`package.json has no "${script}" script`);
  const words = command.trim().split(/\s+/);
  if (words[0] === 'exec') words.shift();
  if (words[0] !== 'node') throw new Error(`package.json "${script}" does not run node: ${command}`);
  const nodeArgs: string[] = [];
  let index = 1;
  for (; index < words.length && words[index]!.startsWith('--'); index += 1) nodeArgs.push(words[index]!);
  const entry = words[index];
  if (entry === undefined) throw new Error(`package.json "${script}" names no entry point: ${command}`);
  return { nodeArgs, entry: path.join(ROOT, entry) };
}
