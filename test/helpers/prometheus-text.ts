/**
 * Reads Prometheus text exposition (what GET /metrics returns) into samples, so tests can
 * assert exact values by metric name and labels.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1]!] = label[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Every sample of one metric as `{labels..., value}`, sorted for stable comparison. */
export function samplesOf(samples: Sample[], name: string): Array<Record<string, string | number>> {
  const found = samples
    .filter((sample) => sample.name === name)
    .map((sample) => ({ ...sample.labels, value: sample.value }));
  return sortSamples(found);
}

/** Sorted by their labels and value, whatever the order of their keys. */
export function sortSamples<T extends object>(samples: T[]): T[] {
  const key = (sample: T) => JSON.stringify(Object.entries(sample).sort(([a], [b]) => a.localeCompare(b)));
  return [...samples].sort((a, b) => key(a).localeCompare(key(b)));
}

/** The value of the one sample with exactly these labels; undefined when there is none. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find(
    (sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted,
  )?.value;
}
