import { Gauge, type Registry } from 'prom-client';
import type { RequestAdmission } from '../server/request-admission.js';

/**
 * Admission control's state as gauges, read at every scrape: requests being handled, requests
 * waiting for a slot, and the limit in force (README "Operating it").
 */
export function registerAdmissionMetrics(registry: Registry, admission: RequestAdmission): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
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
}
