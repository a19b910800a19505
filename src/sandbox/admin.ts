// Routes only the sandbox has, under /__sandbox/: they let a test (or a person with curl) drive
// faults and inspect state from another process. No auth, no fault injection, not recorded.

import { z } from 'zod';
import { json } from './reply.js';
import type { Reply } from './reply.js';
import type { FaultController, FaultRule } from './faults.js';
import type { OAuthServer } from './oauth.js';
import type { SandboxState } from './state.js';

export const ADMIN_PREFIX = '/__sandbox/';

// JSON has no Infinity, so over HTTP `times` also accepts the string "Infinity"; null means default.
const FaultActionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('respond'),
    status: z.number().int().min(200).max(599),
    body: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.object({ kind: z.literal('delay'), ms: z.number().min(0).max(600_000) }),
  z.object({ kind: z.literal('reset') }),
  z.object({ kind: z.literal('reset-after-processing') }),
  z.object({ kind: z.literal('hang') }),
]);

const FaultRuleSchema = z.object({
  action: FaultActionSchema,
  method: z.string().min(1).nullish(),
  path: z.string().startsWith('/').nullish(),
  times: z.union([z.number().int().min(1), z.literal('Infinity')]).nullish(),
  probability: z.number().min(0).max(1).nullish(),
});

function parseFaultRule(value: unknown): { ok: true; rule: FaultRule } | { ok: false; message: string } {
  const parsed = FaultRuleSchema.safeParse(value);
  if (!parsed.success) return { ok: false, message: z.prettifyError(parsed.error) };
  const { action, method, path, times, probability } = parsed.data;
  const rule: FaultRule = { action };
  if (method != null) rule.method = method;
  if (path != null) rule.path = path;
  if (times != null) rule.times = times === 'Infinity' ? Infinity : times;
  if (probability != null) rule.probability = probability;
  return { ok: true, rule };
}

const RevokeSchema = z.object({ token: z.string().min(1) });

export interface AdminDeps {
  state: SandboxState;
  faults: FaultController;
  oauth: OAuthServer;
  requests: readonly unknown[];
  reset(): void;
}

const NO_CONTENT: Reply = { status: 204, body: '' };
const NOT_FOUND = json(404, { error: 'Not found' });
const METHOD_NOT_ALLOWED = json(405, { error: 'Method not allowed' });

export function createAdminRoutes(deps: AdminDeps): (method: string, path: string, body: string) => Reply {
  return function admin(method, path, body) {
    switch (path) {
      case '/__sandbox/faults': {
        if (method === 'DELETE') {
          deps.faults.clear();
          return NO_CONTENT;
        }
        if (method !== 'POST') return METHOD_NOT_ALLOWED;
        let value: unknown;
        try {
          value = JSON.parse(body);
        } catch {
          return json(400, { error: 'Malformed JSON request body' });
        }
        const parsed = parseFaultRule(value);
        if (!parsed.ok) return json(400, { error: parsed.message });
        deps.faults.inject(parsed.rule);
        return NO_CONTENT;
      }
      case '/__sandbox/requests':
        return method === 'GET' ? json(200, deps.requests) : METHOD_NOT_ALLOWED;
      case '/__sandbox/reset':
        if (method !== 'POST') return METHOD_NOT_ALLOWED;
        deps.reset();
        return NO_CONTENT;
      case '/__sandbox/oauth/revoke': {
        // {"token": "..."} revokes one access or refresh token; an empty body revokes all.
        if (method !== 'POST') return METHOD_NOT_ALLOWED;
        if (body.trim() === '') {
          deps.oauth.revokeAll();
          return NO_CONTENT;
        }
        let value: unknown;
        try {
          value = JSON.parse(body);
        } catch {
          return json(400, { error: 'Malformed JSON request body' });
        }
        const parsed = RevokeSchema.safeParse(value);
        if (!parsed.success) return json(400, { error: z.prettifyError(parsed.error) });
        return deps.oauth.revoke(parsed.data.token) ? NO_CONTENT : json(404, { error: 'Unknown token' });
      }
      case '/__sandbox/state':
        if (method !== 'GET') return METHOD_NOT_ALLOWED;
        return json(200, {
          configs: deps.state.listConfigs(),
          balances: deps.state.balances(),
          ledger: deps.state.ledger,
          totalCredited: deps.state.totalCredited(),
          faultsInjected: deps.faults.injected,
          failedLogins: deps.oauth.failedLogins,
          locked: deps.oauth.locked,
          tokensIssued: deps.oauth.tokensIssued,
          tokenRequests: deps.oauth.tokenRequests,
        });
      default:
        return NOT_FOUND;
    }
  };
}
