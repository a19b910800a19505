import { describe, expect, it } from 'vitest';
import { AUTH, useTestGateway } from '../helpers/test-gateway.js';
import { CREATE_PATH } from '../helpers/upstream-paths.js';

describe('createCoinEvent then coinEvent, through the real server and the sandbox', () => {
  const gateway = useTestGateway({}, { resetSandboxBeforeEach: false });

  it('creates a configuration and reads it back', async () => {
    const created = await gateway.gql(
      `mutation { createCoinEvent(input: {configuration: DEFAULT, companyId: "CEKEKCARDS", event: "MEAL_CARD_PAYMENT", amount: 6}) { coinConfigId configuration companyId event amount } }`,
    );
    const id = (created.data?.createCoinEvent as { coinConfigId: string } | undefined)?.coinConfigId;
    expect(id).toMatch(/^WCC\d+$/);
    expect(created).toEqual({
      data: {
        createCoinEvent: {
          coinConfigId: id,
          configuration: 'DEFAULT',
          companyId: 'CEKEKCARDS',
          event: 'MEAL_CARD_PAYMENT',
          amount: 6,
        },
      },
    });
    const [request] = gateway.sandbox.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: CREATE_PATH,
      body: '{"configuration":"DEFAULT","companyId":"CEKEKCARDS","event":"MEAL_CARD_PAYMENT","amount":6}',
    });
    expect(request?.headers.authorization).toBe(AUTH);

    const read = await gateway.gql(`query($id: ID!) { coinEvent(coinConfigId: $id) { coinConfigId amount } }`, { id });
    expect(read).toEqual({ data: { coinEvent: { coinConfigId: id, amount: 6 } } });
  });
});
