// How the bench's profile tools name a V8 call frame (CPU profiles in profile-summary.ts, heap
// samples in allocation-profile.ts): by function and short location, and by the package or own
// folder its script belongs to.

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** `name where:line`, with node_modules/ shortened to nm: and the checkout's path cut before src/, dist/ or test/. */
export function frameLabel(frame: CallFrame): string {
  const where = frame.url.includes('node_modules/')
    ? frame.url.replace(/.*node_modules\//, 'nm:')
    : frame.url.replace(/^(?:file:\/\/)?.*?\/(src|dist|test)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
}

/**
 * The package (`graphql`, `@whatwg-node/server`) or own folder (`src/upstream`, `dist/plugins`) of
 * a frame's script; a Node built-in module's URL as it is; undefined for frames without a script
 * (V8's and Node's natives, GC).
 */
export function moduleOf(url: string): string | undefined {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (dependency) return dependency;
  const own = /\/(src|dist|test)\/(.*?)(?:\/[^/]*)?$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url || undefined;
}
