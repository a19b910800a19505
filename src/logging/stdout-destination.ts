import { type DestinationStream, destination } from 'pino';

export type LogFlushOutcome = 'flushed' | 'timed_out';

export interface StdoutDestinationOptions {
  /** Bytes waiting to be written beyond which new lines are dropped (sonic-boom's `maxLength`). */
  maxBufferBytes: number;
  /** How long the exit paths wait for the buffer to drain. */
  exitFlushMs: number;
  /** Called once the buffer has drained after lines were dropped, with how many were. */
  onDropped(dropped: number): void;
}

export interface StdoutDestination {
  stream: DestinationStream;
  /**
   * Resolves once every line written so far reached stdout, or after `exitFlushMs`. Call it last,
   * just before `process.exit`: after a timeout the exit-time flush is skipped too.
   */
  flush(): Promise<LogFlushOutcome>;
}

/**
 * Log lines to stdout that never block the event loop. pino's default destination writes
 * synchronously: when the reader stops reading, the pipe fills and every log call sleeps and retries
 * (sonic-boom answers EAGAIN with `Atomics.wait`), so requests stall and SIGTERM never completes.
 * Here writes are asynchronous into a bounded buffer: a stalled reader costs at most
 * `maxBufferBytes` of memory and the lines beyond it, which are counted and reported once it reads
 * again.
 */
export function createStdoutDestination(options: StdoutDestinationOptions): StdoutDestination {
  let dropped = 0;
  // pino flushes a `sync: false` destination synchronously on exit (flushSync), retrying EAGAIN
  // for as long as the pipe stays full. This bounds that retry for exits that skip flush(), such as
  // a crash; after a flush() that timed out it is not retried at all.
  let exitFlushDeadline: number | undefined;
  process.prependListener('exit', () => {
    exitFlushDeadline ??= performance.now() + options.exitFlushMs;
  });
  const stream = destination({
    // Reading process.stdout matters: Node then opens a pipe or socket stdout as a libuv stream,
    // which puts fd 1 in non-blocking mode. Left blocking (a spawned child's stdout is), an
    // asynchronous write to a full pipe parks a libuv thread in write(2), and process.exit waits
    // for that thread forever.
    dest: process.stdout.fd,
    sync: false,
    maxLength: options.maxBufferBytes,
    retryEAGAIN: () => exitFlushDeadline === undefined || performance.now() < exitFlushDeadline,
  });
  const flushSync = stream.flushSync.bind(stream);
  stream.flushSync = () => {
    try {
      flushSync();
    } catch {
      // The reader did not take the last lines in time (retryEAGAIN said stop): they are lost.
    }
  };
  stream.on('drop', () => {
    dropped += 1;
  });

  // 'drain': everything written so far has reached stdout.
  let drainWaiters: Array<() => void> = [];
  stream.on('drain', () => {
    if (dropped > 0) {
      const count = dropped;
      dropped = 0;
      options.onDropped(count);
      // The report is a line of its own: flush() waits for the drain after it.
      if (drainWaiters.length > 0) stream.write('');
      return;
    }
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const resolve of waiters) resolve();
  });

  return {
    stream,
    flush: () =>
      new Promise<LogFlushOutcome>((resolve) => {
        const timer = setTimeout(() => {
          drainWaiters = drainWaiters.filter((waiter) => waiter !== flushed);
          exitFlushDeadline = performance.now();
          resolve('timed_out');
        }, options.exitFlushMs);
        const flushed = () => {
          clearTimeout(timer);
          resolve('flushed');
        };
        drainWaiters.push(flushed);
        // Nothing pending emits no 'drain': an empty write completes at once and emits one, and
        // otherwise it is written after what is pending.
        stream.write('');
      }),
  };
}
