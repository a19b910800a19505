import { describe, expect, it } from 'vitest';
import { envelopeBody, jsonReply } from '../helpers/fault-actions.js';
import { AUTH, useTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { CREATE_PATH } from '../helpers/upstream-paths.js';

// The upstream's response_message reaches clients only for business
// rejections (2xx + response_code != 0) and 4xx answers; a 5xx or a bad response gets the fixed
// message of its code, and extensions.upstream keeps only status and responseCode. Whatever the
// status, the credential we sent upstream is redacted from messages and log lines.

const CREATE = `mutation($input: CreateCoinEventInput!) { createCoinEvent(input: $input) { coinConfigId } }`;
const INPUT = { configuration: 'DEFAULT', companyId: 'CEKEKCARDS', event: 'INVOICE_PAYMENT', amount: 10 };
const TOKEN = AUTH.slice('Bearer '.length);

const STACK_LINE = 'java.lang.NullPointerException at com.enkash.coins.CoinService.create(CoinService.java:88)';
const JDBC = 'Cannot acquire connection to jdbc:mysql://10.9.8.7:3306/coins?user=svc';
const SQLSTATE = "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry 'x' for key 'PRIMARY'";
const INTERNALS = [STACK_LINE, JDBC, SQLSTATE];

function failureLine(gateway: TestGateway, from: number) {
  const lines = gateway.logs.slice(from).filter((line) => line.event === 'upstream_call_failed');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('upstream messages: what clients and logs get', () => {
  const gateway = useTestGateway({ COINS_API_RETRIES: '0' });

  it.each([
    [500, STACK_LINE],
    [503, JDBC],
    [500, SQLSTATE],
  ])(
    'HTTP %i: the fixed message of UPSTREAM_UNAVAILABLE, no upstream text; the log keeps it',
    async (status, message) => {
      const from = gateway.logs.length;
      gateway.sandbox.faults.inject({ path: CREATE_PATH, action: jsonReply(status, envelopeBody(status, message)) });
      const response = await gateway.post({ query: CREATE, variables: { input: INPUT } });
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        data: null,
        errors: [
          {
            message: `The coins API is unavailable (HTTP ${status}).`,
            path: ['createCoinEvent'],
            locations: [{ line: 1, column: 43 }],
            extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true, upstream: { status, responseCode: status } },
          },
        ],
      });
      for (const internal of [...INTERNALS, '10.9.8.7', 'SQLSTATE', 'java.lang']) expect(text).not.toContain(internal);
      // Operators still see what the upstream said.
      expect(failureLine(gateway, from)).toMatchObject({
        reason: 'http-status',
        upstream: { status, responseCode: status },
        upstreamMessage: message,
      });
    },
  );

  it('a 2xx success envelope whose payload is wrong: the fixed UPSTREAM_BAD_RESPONSE message, no upstream text', async () => {
    gateway.sandbox.faults.inject({ path: CREATE_PATH, action: jsonReply(200, envelopeBody(0, JDBC, { nope: true })) });
    const text = await (await gateway.post({ query: CREATE, variables: { input: INPUT } })).text();
    expect(JSON.parse(text).errors).toEqual([
      expect.objectContaining({
        message: 'The coins API sent a response the gateway cannot read.',
        extensions: { code: 'UPSTREAM_BAD_RESPONSE', retryable: false, upstream: { status: 200, responseCode: 0 } },
      }),
    ]);
    expect(text).not.toContain('10.9.8.7');
  });

  it('a 4xx and a business rejection still pass the upstream reason on', async () => {
    gateway.sandbox.faults.inject({
      path: CREATE_PATH,
      action: jsonReply(400, envelopeBody(400, 'amount must be positive')),
    });
    gateway.sandbox.faults.inject({
      path: CREATE_PATH,
      action: jsonReply(200, envelopeBody(7, 'Company is suspended')),
    });
    const rejectedInput = await gateway.gql(CREATE, { input: INPUT });
    const rejected = await gateway.gql(CREATE, { input: INPUT });
    expect(rejectedInput.errors?.[0]).toMatchObject({
      message: 'The coins API rejected the input: amount must be positive',
      extensions: {
        code: 'BAD_USER_INPUT',
        upstream: { status: 400, responseCode: 400, responseMessage: 'amount must be positive' },
      },
    });
    expect(rejected.errors?.[0]).toMatchObject({
      message: 'Company is suspended',
      extensions: {
        code: 'UPSTREAM_REJECTED',
        upstream: { status: 200, responseCode: 7, responseMessage: 'Company is suspended' },
      },
    });
  });

  it.each([
    [
      'the whole Authorization value',
      `Invalid header Authorization: ${AUTH}`,
      'Invalid header Authorization: [redacted]',
    ],
    [
      'the bare token',
      `token ${TOKEN} is not valid for company CEKEKCARDS`,
      'token [redacted] is not valid for company CEKEKCARDS',
    ],
  ])('a 4xx message echoing %s: redacted in the response and the log', async (_label, message, redacted) => {
    const from = gateway.logs.length;
    const logFrom = gateway.logText().length;
    gateway.sandbox.faults.inject({ path: CREATE_PATH, action: jsonReply(422, envelopeBody(422, message)) });
    const text = await (await gateway.post({ query: CREATE, variables: { input: INPUT } })).text();
    expect(JSON.parse(text).errors[0]).toMatchObject({
      message: `The coins API rejected the input: ${redacted}`,
      extensions: { code: 'BAD_USER_INPUT', upstream: { status: 422, responseCode: 422, responseMessage: redacted } },
    });
    expect(text).not.toContain(TOKEN);
    expect(failureLine(gateway, from)).toMatchObject({
      upstream: { responseMessage: redacted },
      upstreamMessage: redacted,
    });
    expect(gateway.logText().slice(logFrom)).not.toContain(TOKEN);
  });

  it("a 4xx or a business rejection quoting the upstream's own address: the address is replaced, in the response and the log", async () => {
    const { host, hostname } = new URL(gateway.sandbox.url);
    const from = gateway.logs.length;
    gateway.sandbox.faults.inject({
      path: CREATE_PATH,
      action: jsonReply(400, envelopeBody(400, `Bad request to ${gateway.sandbox.url}${CREATE_PATH}`)),
    });
    gateway.sandbox.faults.inject({
      path: CREATE_PATH,
      action: jsonReply(200, envelopeBody(7, `Company suspended by ${host} (node ${hostname})`)),
    });
    const refused = await (await gateway.post({ query: CREATE, variables: { input: INPUT } })).text();
    const rejected = await (await gateway.post({ query: CREATE, variables: { input: INPUT } })).text();
    expect(JSON.parse(refused).errors[0]).toMatchObject({
      message: `The coins API rejected the input: Bad request to http://[upstream]${CREATE_PATH}`,
      extensions: {
        code: 'BAD_USER_INPUT',
        upstream: { status: 400, responseCode: 400, responseMessage: `Bad request to http://[upstream]${CREATE_PATH}` },
      },
    });
    expect(JSON.parse(rejected).errors[0]).toMatchObject({
      message: 'Company suspended by [upstream] (node [upstream])',
      extensions: { code: 'UPSTREAM_REJECTED' },
    });
    const failures = gateway.logs.slice(from).filter((line) => line.event === 'upstream_call_failed');
    expect(failures.map((line) => line.upstreamMessage)).toEqual([
      `Bad request to http://[upstream]${CREATE_PATH}`,
      'Company suspended by [upstream] (node [upstream])',
    ]);
    for (const text of [refused, rejected]) expect(text).not.toContain(hostname);
  });

  it('a business rejection and a 5xx echoing the token: redacted in both response and log', async () => {
    const logFrom = gateway.logText().length;
    gateway.sandbox.faults.inject({
      path: CREATE_PATH,
      action: jsonReply(200, envelopeBody(3, `no company for ${AUTH}`)),
    });
    gateway.sandbox.faults.inject({
      path: CREATE_PATH,
      action: jsonReply(500, envelopeBody(500, `auth ${TOKEN} failed at ${STACK_LINE}`)),
    });
    const rejected = await (await gateway.post({ query: CREATE, variables: { input: INPUT } })).text();
    const failed = await (await gateway.post({ query: CREATE, variables: { input: INPUT } })).text();
    expect(JSON.parse(rejected).errors[0].message).toBe('no company for [redacted]');
    expect(JSON.parse(failed).errors[0].message).toBe('The coins API is unavailable (HTTP 500).');
    const log = gateway.logText().slice(logFrom);
    expect(log).toContain(`"upstreamMessage":"auth [redacted] failed at java.lang.NullPointerException`);
    for (const text of [rejected, failed, log]) expect(text).not.toContain(TOKEN);
  });
});
