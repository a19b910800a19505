/**
 * Every fixed limit of the gateway, in one place, in the order a request meets them: what one
 * connection, request body, operation, answer or upstream attempt may cost. Limits that operators
 * tune are configuration instead (src/config.ts: MAX_UPSTREAM_CALLS_PER_OPERATION,
 * MAX_CLIENT_CONNECTIONS, COINS_API_TIMEOUT_MS, ...), and the list size of an id argument is an
 * input rule (INPUT_RULES in src/schema/input-rules.ts). The README quotes these values; this
 * module imports nothing, so any layer may read it.
 */

/** Slow clients cannot pin the server (milliseconds; Node's `http.createServer` options). */
export const SERVER_TIMEOUTS = {
  /** Whole request headers must arrive within this. */
  headersTimeout: 10_000,
  /** The whole request (headers and body) must arrive within this. */
  requestTimeout: 30_000,
  /** Idle keep-alive sockets close after this. */
  keepAliveTimeout: 5_000,
  /** How often Node checks the two limits above (its default, 30 s, would let them overrun). */
  connectionsCheckingInterval: 1_000,
} as const;

/**
 * Admission control (src/server/request-admission.ts): how many requests are handled at once
 * adapts to the event loop's utilization, between `min` and MAX_REQUESTS_IN_FLIGHT. Above
 * `saturated` the CPU has no room for more work and the limit shrinks by a tenth per interval;
 * below `spare`, while requests wait, it grows by a quarter. `min` (32): at the ~2,000 requests/s
 * one core serves, 32 in flight are ~15 ms of work, short of the time between two young-generation
 * collections (so little is promoted), yet enough requests at once for Node to batch socket reads
 * and writes. Measured (README, Performance notes): 16 cost ~10% more CPU per request at 50
 * connections; 48 and 64 let the p99 at 500 connections spike to 1.2–1.4 s now and then.
 */
export const ADMISSION_CONTROL = {
  min: 32,
  intervalMs: 100,
  saturated: 0.95,
  spare: 0.85,
} as const;

/** Larger request bodies are refused with 413 before they are buffered (a GraphQL request is a few KB). */
export const MAX_REQUEST_BODY_BYTES = 1_048_576;

/**
 * Every upstream-backed field can cost an upstream call (a list up to 100), so the shape of an
 * operation is bounded before it runs (graphql-armor): aliases multiply calls, depth and token
 * counts bound parsing and validation work. Rejections are 400s: GRAPHQL_VALIDATION_FAILED for
 * aliases, depth and directives, GRAPHQL_PARSE_FAILED for tokens and document size.
 *
 * The byte and error-count limits bound the size of an answer: graphql-js repeats the operation
 * name in every "variable not defined" error, so a 1 MB name used by 100 errors made a 100 MB
 * answer and killed the process.
 */
export const OPERATION_LIMITS = {
  /** Aliases per operation: 20 aliased lists of 100 ids are already 2000 upstream calls. */
  maxAliases: 20,
  /**
   * Our own types nest 3 levels at most (allocateCoins → balance → coins); the depth that matters
   * is introspection's, whose types refer to each other without end. GraphiQL's introspection
   * query (graphql-js getIntrospectionQuery) fits.
   */
  maxDepth: 15,
  /** Room for a 100-id list with variables inlined, and for GraphiQL's introspection query. */
  maxTokens: 5000,
  /**
   * Directives per operation (fragments counted where they are spread): @include/@skip on a
   * form's optional fields need a handful; thousands of them are only a way to make validation
   * and execution work. GraphiQL's introspection query uses none.
   */
  maxDirectives: 20,
  /**
   * UTF-8 bytes of the GraphQL document, checked before it is parsed. GraphiQL's introspection
   * query is about 1.5 KB and 20 aliased lists of 100 inlined ids about 30 KB; 5000 tokens of
   * `__typename` are 55 KB.
   */
  maxDocumentBytes: 65_536,
  /** Bytes of an operation name, in the document or in the request's `operationName`. */
  maxOperationNameBytes: 256,
  /** Validation errors reported for one document (graphql-js `maxErrors`; its default is 100). */
  maxValidationErrors: 20,
  /**
   * Errors in one response: further ones are dropped and counted in `extensions.omittedErrors`.
   * The upstream budget allows 200 failing calls; the first 100 errors say what went wrong.
   */
  maxResponseErrors: 100,
  /**
   * Bytes of a JSON response; a larger one is replaced by a RESPONSE_TOO_LARGE error. Real answers
   * (200 full coin configurations, one introspection) are under 100 KB; 20 aliased introspections
   * with every description reach ~600 KB, and a batch of them passes the bound.
   */
  maxResponseBytes: 1_048_576,
} as const;

/** Variable problems listed at most per request: a 1 MiB variables object could otherwise yield thousands. */
export const MAX_VARIABLE_ISSUES = 50;

/** The retry floor: an upstream attempt needs at least this much of the deadline left to be worth starting. */
export const MIN_ATTEMPT_MS = 50;

/** Token responses are a few hundred bytes; anything near this is not a token. */
export const TOKEN_RESPONSE_MAX_BYTES = 65_536;

/**
 * The log output (src/logging/stdout-destination.ts): stdout is written asynchronously, so a log
 * reader that stops reading cannot block the event loop. Lines beyond `maxBufferBytes` waiting to
 * be written are dropped and counted (about 2,000 access log lines); on exit the buffer gets at
 * most `exitFlushMs` to drain, so a dead reader cannot keep the process from exiting.
 */
export const LOG_OUTPUT = {
  maxBufferBytes: 1_048_576,
  exitFlushMs: 1_000,
} as const;
