import { describe, expect, it } from 'vitest';
import { useTestGateway } from '../helpers/test-gateway.js';

/** GraphQL over HTTP as clients expect it: response key order, status codes per Accept type, variable errors. */

const gateway = useTestGateway();

const CREATE = 'mutation($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId } }';
const CONFIG = { configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'MEAL_CARD_PAYMENT', amount: 6 };

async function createConfig(): Promise<string> {
  const response = await gateway.gql(CREATE, { input: CONFIG });
  return (response.data?.createCoinEvent as { coinConfigId: string }).coinConfigId;
}

describe('response keys follow the selection set (Serialized Map Ordering)', () => {
  it('an upstream-backed field before __typename stays first', async () => {
    const id = await createConfig();
    const response = await gateway.post({ query: `{ a: coinEvent(coinConfigId: "${id}") { coinConfigId } t: __typename }` });
    expect(await response.text()).toBe(`{"data":{"a":{"coinConfigId":"${id}"},"t":"Query"}}`);
  });

  it("updateCoinEvent's fields come in the order asked, also the one read after the PATCH", async () => {
    const id = await createConfig();
    const response = await gateway.post({
      query: `mutation { updateCoinEvent(coinConfigId: "${id}", input: { amount: 7 }) { coinConfigId companyId event amount } }`,
    });
    expect(await response.text()).toBe(
      `{"data":{"updateCoinEvent":{"coinConfigId":"${id}","companyId":"CEKEKCARDS","event":"MEAL_CARD_PAYMENT","amount":7}}}`,
    );
  });

  it('list entries keep their fields in order whatever the upstream latency', async () => {
    const first = await createConfig();
    const second = (
      (await gateway.gql(CREATE, { input: { ...CONFIG, event: 'INVOICE_PAYMENT' } })).data?.createCoinEvent as { coinConfigId: string }
    ).coinConfigId;
    gateway.sandbox.faults.inject({ method: 'GET', path: `/api/v0/enkash-coins/${first}`, action: { kind: 'delay', ms: 100 } });
    const response = await gateway.post({
      query: `{ coinEvents(coinConfigIds: ["${first}", "${second}"]) { amount event id } n: __typename }`,
    });
    expect(await response.text()).toBe(
      `{"data":{"coinEvents":[{"amount":6,"event":"MEAL_CARD_PAYMENT","id":"${first}"},{"amount":6,"event":"INVOICE_PAYMENT","id":"${second}"}],"n":"Query"}}`,
    );
  });
});
