// Bytes allocated per request, by package and by function, from V8's sampling heap profiler with
// the objects that garbage collection already freed included (unlike req/s, allocation does not
// move with the machine's load, so it compares code versions on a busy machine). Used by
// `BENCH_ALLOC=1 npm run bench:layers` (test/bench/layer-cost.ts).

import { Session } from 'node:inspector/promises';
import { type CallFrame, frameLabel, moduleOf } from './profile-frames.js';

interface ProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: ProfileNode[];
}

export interface AllocationReport {
  bytesPerRequest: number;
  /** [package or src/ folder, bytes per request], largest first. */
  byModule: Array<[string, number]>;
  /** [function and where it is, bytes per request], largest first. */
  byFunction: Array<[string, number]>;
}

/** Runs `run` (which sends `requests` requests) under the sampling heap profiler. */
export async function profileAllocation(requests: number, run: () => Promise<void>): Promise<AllocationReport> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
    await run();
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
    return summarise(profile.head, requests);
  } finally {
    session.disconnect();
  }
}

function summarise(head: ProfileNode, requests: number): AllocationReport {
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const add = (map: Map<string, number>, key: string, bytes: number) => map.set(key, (map.get(key) ?? 0) + bytes);
  const stack = [head];
  for (let node = stack.pop(); node; node = stack.pop()) {
    total += node.selfSize;
    add(byModule, moduleOf(node.callFrame.url) ?? '(V8 and Node internals)', node.selfSize);
    add(byFunction, frameLabel(node.callFrame), node.selfSize);
    stack.push(...node.children);
  }
  const perRequest = (map: Map<string, number>) =>
    [...map].map(([key, bytes]): [string, number] => [key, bytes / requests]).sort((a, b) => b[1] - a[1]);
  return { bytesPerRequest: total / requests, byModule: perRequest(byModule), byFunction: perRequest(byFunction) };
}
