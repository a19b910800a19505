// MAX_REQUESTS_IN_FLIGHT on the real server over loopback: how many operations reach the upstream
// at once, what waits, what probes and metrics see meanwhile, and that a request whose client gave
// up while it waited never runs.

import { describe, expect, it } from 'vitest';
import { atLeastRounds, expectAtMostInFlight, holdReadsAndRecordArrivals } from '../helpers/fan-out.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';
import { seedConfig } from '../helpers/sandbox-setup.js';
import { AUTH, upstreamCalls, useTestGateway } from '../helpers/test-gateway.js';
import { CONFIG_PATH } from '../helpers/upstream-paths.js';

const QUERY = 'query($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId amount } }';

/** Resolves once the sandbox has received `count` requests (polling: the test holds them there). */
async function upstreamReceived(calls: () => string[], count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (calls().length < count) {
    if (Date.now() > deadline) throw new Error(`the upstream received ${calls().length} requests, not ${count}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

describe('MAX_REQUESTS_IN_FLIGHT (admission control)', () => {
  // 2 is below the adaptive minimum, so the limit stays 2 whatever the CPU does.
  const gateway = useTestGateway({ MAX_REQUESTS_IN_FLIGHT: '2', METRICS_PORT: '0' });

  it('handles two requests at once; the others wait and are answered in turn, each correctly', async () => {
    const meal = seedConfig(gateway.sandbox);
    const heldMs = 150;
    const arrivals = holdReadsAndRecordArrivals(gateway.sandbox, heldMs);
    const started = performance.now();

    const results = await Promise.all(Array.from({ length: 5 }, () => gateway.gql(QUERY, { id: meal.coinConfigId })));
    arrivals.stop();

    const answer = { data: { coinEvent: { coinConfigId: meal.coinConfigId, amount: 6 } } };
    expect(results).toEqual([answer, answer, answer, answer, answer]);
    expect(upstreamCalls(gateway.sandbox)).toEqual(Array(5).fill(`GET ${CONFIG_PATH}${meal.coinConfigId}`));
    expectAtMostInFlight(arrivals.times, 2, heldMs);
    expect(performance.now() - started).toBeGreaterThanOrEqual(atLeastRounds(3, heldMs));
  });

  it('answers /health and /ready at once and reports in-flight, waiting and limit while every slot is taken', async () => {
    const meal = seedConfig(gateway.sandbox);
    const before = parsePrometheusText(await gateway.scrapeMetrics());
    holdReadsAndRecordArrivals(gateway.sandbox, 400).stop();
    const pending = Array.from({ length: 4 }, () => gateway.gql(QUERY, { id: meal.coinConfigId }));
    await upstreamReceived(() => upstreamCalls(gateway.sandbox), 2);

    const probeStarted = performance.now();
    const [health, ready] = await Promise.all([fetch(`${gateway.url}/health`), fetch(`${gateway.url}/ready`)]);
    const probeMs = performance.now() - probeStarted;
    expect([health.status, ready.status]).toEqual([200, 200]);
    await Promise.all([health.arrayBuffer(), ready.arrayBuffer()]);
    // Well before the held requests could have freed a slot.
    expect(probeMs).toBeLessThan(300);
    const samples = parsePrometheusText(await gateway.scrapeMetrics());
    expect({
      inFlight: sampleValue(samples, 'coins_gateway_requests_in_flight'),
      waiting: sampleValue(samples, 'coins_gateway_requests_waiting'),
      limit: sampleValue(samples, 'coins_gateway_requests_in_flight_limit'),
    }).toEqual({ inFlight: 2, waiting: 2, limit: 2 });

    const results = await Promise.all(pending);
    expect(results.map((result) => result.errors)).toEqual([undefined, undefined, undefined, undefined]);
    const after = parsePrometheusText(await gateway.scrapeMetrics());
    expect(sampleValue(after, 'coins_gateway_requests_waiting')).toBe(0);
    // The two that waited, each for about one held upstream read (400 ms), are in the wait histogram.
    const waited = (samples: typeof after, name: string) =>
      sampleValue(samples, `coins_gateway_request_wait_seconds_${name}`) ?? 0;
    expect(waited(after, 'count') - waited(before, 'count')).toBe(2);
    expect(waited(after, 'sum') - waited(before, 'sum')).toBeGreaterThan(0.6);
  });

  it('a waiting request whose client went away is never handled: it makes no upstream call', async () => {
    const meal = seedConfig(gateway.sandbox);
    const other = seedConfig(gateway.sandbox, { event: 'INVOICE_PAYMENT', amount: 10 });
    holdReadsAndRecordArrivals(gateway.sandbox, 1_000).stop();
    const running = [gateway.gql(QUERY, { id: meal.coinConfigId }), gateway.gql(QUERY, { id: meal.coinConfigId })];
    let slotsFreed = false;
    void Promise.all(running).then(() => {
      slotsFreed = true;
    });
    await upstreamReceived(() => upstreamCalls(gateway.sandbox), 2);

    const abandoned = new AbortController();
    const waiting = fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: AUTH },
      body: JSON.stringify({ query: QUERY, variables: { id: other.coinConfigId } }),
      signal: abandoned.signal,
    });
    // Long enough for the request to have arrived and be waiting; then the client gives up.
    await new Promise((done) => setTimeout(done, 50));
    const waitingGauge = async () =>
      sampleValue(parsePrometheusText(await gateway.scrapeMetrics()), 'coins_gateway_requests_waiting');
    expect(await waitingGauge()).toBe(1);
    abandoned.abort();
    await expect(waiting).rejects.toThrow();
    // It stops counting as waiting once its connection closes, while both slots are still taken.
    while ((await waitingGauge()) !== 0 && !slotsFreed) {
      await new Promise((done) => setTimeout(done, 5));
    }
    expect(slotsFreed).toBe(false);
    expect(await waitingGauge()).toBe(0);
    expect(upstreamCalls(gateway.sandbox)).toHaveLength(2);

    await Promise.all(running);
    // The slots are free again and the abandoned request was dropped, not run late.
    await new Promise((done) => setTimeout(done, 100));
    expect(upstreamCalls(gateway.sandbox)).toEqual([
      `GET ${CONFIG_PATH}${meal.coinConfigId}`,
      `GET ${CONFIG_PATH}${meal.coinConfigId}`,
    ]);
  });
});
