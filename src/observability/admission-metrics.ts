import { Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestAdmission } from '../server/request-admission.js';

export interface AdmissionMetrics {
  /** One request admitted after waiting this long (requests admitted at once are not observed). */
  observeWait(seconds: number): void;
  /** Admission control's state as gauges, read at every scrape. */
  track(admission: RequestAdmission): void;
}

/**
 * Admission control's metrics (README "Operating it"): how long requests waited before being
 * handled (the operation duration histogram starts only then), and, read at every scrape, the
 * requests being handled, those waiting, and the limit in force.
 */
export function createAdmissionMetrics(registry: Registry): AdmissionMetrics {
  const waits = new Histogram({
    name: 'coins_gateway_request_wait_seconds',
    help: 'Time a request waited, unread, for admission before being handled (only requests that waited)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  return {
    observeWait: (seconds) => waits.observe(seconds),
    track(admission) {
      gauge('coins_gateway_requests_in_flight', 'HTTP requests being handled now (health probes not counted)', () =>
        admission.inFlight(),
      );
      gauge(
        'coins_gateway_requests_waiting',
        'HTTP requests waiting, unread, for admission (the CPU is saturated or MAX_REQUESTS_IN_FLIGHT reached)',
        () => admission.waiting(),
      );
      gauge(
        'coins_gateway_requests_in_flight_limit',
        'Requests that may be handled at once right now (adapts to the CPU, at most MAX_REQUESTS_IN_FLIGHT)',
        () => admission.limit(),
      );
    },
  };
}
