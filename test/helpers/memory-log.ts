import { Writable } from 'node:stream';

/** A stream a pino logger can write to, keeping every line parsed and the raw text (to search for secrets). */
export function memoryLogSink(): { sink: Writable; lines: Array<Record<string, unknown>>; text: () => string } {
  const lines: Array<Record<string, unknown>> = [];
  let raw = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      raw += text;
      for (const line of text.split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { sink, lines, text: () => raw };
}
