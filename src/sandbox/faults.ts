// Fault injection: rules that make the sandbox misbehave the way real infrastructure does
// (error pages, latency, connection resets, hangs) so that client resilience can be tested.

export type FaultAction =
  /** Answer this instead of processing the request (body defaults to ''). */
  | { kind: 'respond'; status: number; body?: string; headers?: Record<string, string> }
  /** Wait, then process normally. A client that went away meanwhile does not stop processing. */
  | { kind: 'delay'; ms: number }
  /** Destroy the socket without processing or answering. */
  | { kind: 'reset' }
  /** Process fully (state changes happen), then destroy the socket without answering. */
  | { kind: 'reset-after-processing' }
  /** Never answer (until the sandbox is closed). */
  | { kind: 'hang' };

export interface FaultRule {
  action: FaultAction;
  /** Case-insensitive; any method when absent. */
  method?: string;
  /** Matched as a prefix of the path without its query string; any path when absent. */
  path?: string;
  /** How many times the rule fires, default 1; Infinity allowed. */
  times?: number;
  /** Chance (0..1) that a matching request triggers the rule, default 1. */
  probability?: number;
}

export interface FaultController {
  inject(rule: FaultRule): void;
  clear(): void;
  /** How many times any fault fired since the last clear(). */
  readonly injected: number;
}

/** The controller as the server sees it: it also picks the fault for a request. */
export interface FaultEngine extends FaultController {
  /** The action of the first matching rule that fires, consuming one of its `times`. */
  match(method: string, path: string): FaultAction | undefined;
}

interface ActiveRule {
  action: FaultAction;
  method: string | undefined;
  path: string | undefined;
  remaining: number;
  probability: number;
}

export function createFaultController(random: () => number = Math.random): FaultEngine {
  let rules: ActiveRule[] = [];
  let injected = 0;

  return {
    inject(rule) {
      rules.push({
        action: rule.action,
        method: rule.method?.toUpperCase(),
        path: rule.path,
        remaining: rule.times ?? 1,
        probability: rule.probability ?? 1,
      });
    },
    clear() {
      rules = [];
      injected = 0;
    },
    get injected() {
      return injected;
    },
    match(method, path) {
      // Fast path for the benchmark case: no rules, no work.
      if (rules.length === 0) return undefined;
      for (const rule of rules) {
        if (rule.remaining <= 0) continue;
        if (rule.method !== undefined && rule.method !== method) continue;
        if (rule.path !== undefined && !path.startsWith(rule.path)) continue;
        // A rule that loses its roll lets later rules have their chance on the same request.
        if (rule.probability < 1 && !(random() < rule.probability)) continue;
        rule.remaining -= 1;
        injected += 1;
        if (rule.remaining <= 0) rules = rules.filter((r) => r.remaining > 0);
        return rule.action;
      }
      return undefined;
    },
  };
}
