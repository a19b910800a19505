// Per-process resource figures read from Linux's /proc: resident memory and CPU time. Used by the
// benchmark to attribute RSS and CPU to the gateway, the baseline and the sandbox separately.

import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every mainstream Linux). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Current resident set size in bytes, or undefined when the process is gone (or not on Linux). */
export function readRssBytes(pid: number): number | undefined {
  return readStatusField(pid, 'VmRSS');
}

/** Peak resident set size over the process's lifetime, in bytes. */
export function readPeakRssBytes(pid: number): number | undefined {
  return readStatusField(pid, 'VmHWM');
}

function readStatusField(pid: number, field: string): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/** User + system CPU time consumed so far, in seconds. */
export function readCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

export interface ProcessSample {
  /** Max VmRSS seen while sampling, in bytes (0 when never readable). */
  rssMaxBytes: number;
  /** CPU seconds consumed between start() and stop(). */
  cpuSeconds: number;
}

/** Samples a process's RSS every intervalMs (keeping the max) and its CPU time at start and stop. */
export function sampleProcess(pid: number, intervalMs = 100): { stop(): ProcessSample } {
  const cpuAtStart = readCpuSeconds(pid) ?? 0;
  let rssMax = readRssBytes(pid) ?? 0;
  const timer = setInterval(() => {
    const rss = readRssBytes(pid);
    if (rss !== undefined && rss > rssMax) rssMax = rss;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const rss = readRssBytes(pid);
      if (rss !== undefined && rss > rssMax) rssMax = rss;
      const cpuAtEnd = readCpuSeconds(pid) ?? cpuAtStart;
      return { rssMaxBytes: rssMax, cpuSeconds: cpuAtEnd - cpuAtStart };
    },
  };
}
