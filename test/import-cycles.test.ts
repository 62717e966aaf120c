import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Every relative import (type-only ones included) of every file in src/, as absolute .ts paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
    graph.set(relative(SRC, file).split('\\').join('/'), deps.map((d) => relative(SRC, d).split('\\').join('/')));
  }
  return graph;
}

/** The cycles found by a depth-first search, each as "a -> b -> a". */
function cycles(graph: Map<string, Iterable<string>>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const folderOf = (file: string): string => file.split('/')[0]!.replace(/\.ts$/, '');

describe('imports in src/', () => {
  it('have no cycle between files', () => {
    expect(cycles(importGraph())).toEqual([]);
  });

  it('have no cycle between folders', () => {
    const folders = new Map<string, Set<string>>();
    for (const [file, deps] of importGraph()) {
      for (const dep of deps) {
        if (folderOf(dep) === folderOf(file)) continue;
        if (!folders.has(folderOf(file))) folders.set(folderOf(file), new Set());
        folders.get(folderOf(file))!.add(folderOf(dep));
      }
    }
    expect(folders.get('config')).toBeDefined();
    expect(cycles(folders)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['a']]]))).toEqual(['a -> b -> a']);
  });
});
