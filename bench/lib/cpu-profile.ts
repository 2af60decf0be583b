import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

/**
 * Summary of a V8 .cpuprofile (written by `node --cpu-prof`): self time per function and per
 * module (npm package, or file of our own code), and time spent inside each of our own functions
 * (callees included). Minified frames (e.g. @medplum/core's bundle) are named by their source map.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface TimeShare {
  name: string;
  ms: number;
  /** Share of all sampled time, 0-100. */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by function. */
  functions: TimeShare[];
  /** Self time by npm package or file of ours. */
  modules: TimeShare[];
  /** Time with one of our own functions (outside node_modules) on the stack, callees included. */
  ownInclusive: TimeShare[];
}

export function summariseCpuProfile(file: string, root: string): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const names = new FrameNames(root);
  const parent = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const selfByNode = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = Math.max(0, profile.timeDeltas[i] ?? 0);
    totalUs += us;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + us);
  });
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  const ownInclusive = new Map<string, number>();
  const add = (m: Map<string, number>, key: string, us: number): void => void m.set(key, (m.get(key) ?? 0) + us);
  for (const [id, us] of selfByNode) {
    const frame = byId.get(id)!.callFrame;
    add(functions, names.describe(frame), us);
    add(modules, names.moduleOf(frame), us);
    const seen = new Set<string>();
    for (let node: ProfileNode | undefined = byId.get(id); node; node = parent.get(node.id)) {
      if (!names.isOwn(node.callFrame)) continue;
      const key = names.describe(node.callFrame);
      if (!seen.has(key)) seen.add(key), add(ownInclusive, key, us);
    }
  }
  const rank = (m: Map<string, number>): TimeShare[] =>
    [...m].map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / (totalUs || 1) })).sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, functions: rank(functions), modules: rank(modules), ownInclusive: rank(ownInclusive) };
}

/** The newest .cpuprofile in `dir`, if any. */
export function newestProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(dir, name))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

/** Readable names for frames: package-relative paths, and original source positions where a source map exists. */
class FrameNames {
  private readonly maps = new Map<string, SourceMap | undefined>();

  constructor(private readonly root: string) {}

  describe(frame: CallFrame): string {
    const name = frame.functionName || '(anonymous)';
    if (!frame.url) return name;
    const original = this.original(frame);
    return `${name} ${original ?? `${this.shortPath(frame.url)}:${frame.lineNumber + 1}`}`;
  }

  /** "pg", "@medplum/core", "dist/src/fhir/index/extract.js", "node:fs", or the VM state ("(garbage collector)"). */
  moduleOf(frame: CallFrame): string {
    if (!frame.url) return frame.functionName;
    const short = this.shortPath(frame.url);
    if (!frame.url.includes('/node_modules/')) return short;
    const parts = short.split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }

  isOwn(frame: CallFrame): boolean {
    return frame.url.startsWith(`file://${this.root}/`) && !frame.url.includes('/node_modules/');
  }

  private shortPath(url: string): string {
    const file = url.replace(/^file:\/\//, '');
    const nm = file.lastIndexOf('/node_modules/');
    if (nm >= 0) return file.slice(nm + '/node_modules/'.length);
    return file.startsWith(this.root) ? path.relative(this.root, file) : file;
  }

  /** "src/fhir/index/extract.ts:42" from the file's source map, when it has one. */
  private original(frame: CallFrame): string | undefined {
    const file = frame.url.replace(/^file:\/\//, '');
    if (!this.maps.has(file)) this.maps.set(file, loadSourceMap(file));
    const map = this.maps.get(file);
    if (!map) return undefined;
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number };
    if (!entry?.originalSource) return undefined;
    const source = path.resolve(path.dirname(file), entry.originalSource);
    const nm = source.lastIndexOf('/node_modules/');
    const shown = nm >= 0 ? source.slice(nm + '/node_modules/'.length) : path.relative(this.root, source);
    // Bundled packages map to their own src/ paths outside node_modules: name the package too.
    const pkg = file.includes('/node_modules/') && nm < 0 ? `${this.moduleOf(frame)}:` : '';
    return `${pkg}${shown.replace(/^(\.\.\/)+/, '')}:${(entry.originalLine ?? 0) + 1}`;
  }
}

function loadSourceMap(file: string): SourceMap | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
    if (!ref || ref.startsWith('data:')) return undefined;
    return new SourceMap(JSON.parse(fs.readFileSync(path.resolve(path.dirname(file), ref), 'utf8')));
  } catch {
    return undefined;
  }
}
