// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=dir npm run bench) as text: where the non-idle
// CPU time went, by package/module and by function (self time), and optionally the inclusive time
// of frames matching a pattern and the callers of frames matching another.
//
//   npx tsx test/bench/profile-summary.ts <file.cpuprofile> [inclusive-regex] [callers-regex]
//   e.g. npx tsx test/bench/profile-summary.ts /tmp/prof/gateway/CPU.*.cpuprofile 'dist/|cockatiel' 'DOMException'

import { readFileSync } from 'node:fs';
import { type CallFrame, frameLabel, moduleOf } from './profile-frames.js';
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [file, inclusivePattern, callersPattern] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx test/bench/profile-summary.ts <file.cpuprofile> [inclusive-regex] [callers-regex]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);

const frame = (id: number): CallFrame => byId.get(id)!.callFrame;
const label = frameLabel;
const moduleOfFrame = (cf: CallFrame) => moduleOf(cf.url) ?? cf.functionName;

const total = profile.samples.length;
const idle = [...hits].filter(([id]) => frame(id).functionName === '(idle)').reduce((sum, [, n]) => sum + n, 0);
const busy = Math.max(1, total - idle);
const pct = (n: number) => `${((100 * n) / busy).toFixed(1).padStart(5)}%`;
const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);

const self = new Map<string, number>();
const byModule = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, n] of hits) {
  const cf = frame(id);
  if (cf.functionName === '(idle)') continue;
  self.set(label(cf), (self.get(label(cf)) ?? 0) + n);
  byModule.set(moduleOfFrame(cf), (byModule.get(moduleOfFrame(cf)) ?? 0) + n);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
    const key = label(frame(cur));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + n);
  }
}

console.log(
  `${file}\n${total} samples, ${((100 * idle) / total).toFixed(1)}% idle; percentages below are of the non-idle samples`,
);
console.log('\nself time by module');
for (const [key, n] of top(byModule, 25)) console.log(`${pct(n)}  ${key}`);
console.log('\nself time by function');
for (const [key, n] of top(self, 30)) console.log(`${pct(n)}  ${key}`);

if (inclusivePattern) {
  const re = new RegExp(inclusivePattern);
  console.log(`\ninclusive time of frames matching ${re}`);
  for (const [key, n] of top(new Map([...inclusive].filter(([key]) => re.test(key))), 40))
    console.log(`${pct(n)}  ${key}`);
}

if (callersPattern) {
  const re = new RegExp(callersPattern);
  const chains = new Map<string, number>();
  for (const [id, n] of hits) {
    if (!re.test(label(frame(id)))) continue;
    const chain: string[] = [label(frame(id))];
    for (let cur = parentOf.get(id), depth = 0; cur !== undefined && depth < 6; cur = parentOf.get(cur), depth += 1) {
      chain.push(label(frame(cur)));
    }
    const key = chain.join('\n           <- ');
    chains.set(key, (chains.get(key) ?? 0) + n);
  }
  console.log(`\ncallers of frames matching ${re}`);
  for (const [key, n] of top(chains, 10)) console.log(`${pct(n)}  ${key}`);
}
