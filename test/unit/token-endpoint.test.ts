import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../src/upstream/http-transport.js';
import { createTokenEndpoint, TokenRefusedError } from '../../src/upstream/oauth/token-endpoint.js';
import { UpstreamError } from '../../src/upstream/upstream-error.js';

function endpointAnswering(status: number, body: string) {
  const sent: HttpRequest[] = [];
  const transport: HttpTransport = {
    send: (request) => {
      sent.push(request);
      return Promise.resolve<HttpResponse>({ status, headers: {}, body });
    },
    close: () => Promise.resolve(),
  };
  const endpoint = createTokenEndpoint({
    transport,
    path: '/auth/oauth/token',
    credentials: { clientId: 'cid', clientSecret: 'csecret', username: 'user@x', password: 'p&ss=word' },
    timeoutMs: 1_000,
  });
  return { endpoint, sent };
}

const TOKEN = JSON.stringify({
  access_token: 'a',
  token_type: 'bearer',
  refresh_token: 'r',
  expires_in: 86399,
  scope: 'read write trust',
});

describe('token endpoint', () => {
  it('sends the documented password grant: Basic client auth, form fields, form content type', async () => {
    const { endpoint, sent } = endpointAnswering(200, TOKEN);
    expect(await endpoint.request({ type: 'password' })).toEqual({
      accessToken: 'a',
      refreshToken: 'r',
      expiresInSeconds: 86399,
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      path: '/auth/oauth/token',
      headers: {
        accept: 'application/json',
        authorization: `Basic ${Buffer.from('cid:csecret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=password&username=user%40x&password=p%26ss%3Dword&clientId=cid',
    });
  });

  it('sends the refresh grant with the same client auth', async () => {
    const { endpoint, sent } = endpointAnswering(200, TOKEN);
    await endpoint.request({ type: 'refresh_token', refreshToken: 'r/1+' });
    expect(sent[0]?.body).toBe('grant_type=refresh_token&refresh_token=r%2F1%2B');
    expect(sent[0]?.headers.authorization).toBe(`Basic ${Buffer.from('cid:csecret').toString('base64')}`);
  });

  it('assumes the documented 5 minutes when expires_in is missing, and accepts no refresh token', async () => {
    const { endpoint } = endpointAnswering(200, '{"access_token":"a"}');
    expect(await endpoint.request({ type: 'password' })).toEqual({
      accessToken: 'a',
      refreshToken: undefined,
      expiresInSeconds: 300,
    });
  });

  it.each([400, 401, 403])('HTTP %i refuses the grant (never to be repeated)', async (status) => {
    const { endpoint } = endpointAnswering(status, '{"error":"invalid_grant","error_description":"Bad credentials"}');
    const error = await endpoint.request({ type: 'password' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRefusedError);
    expect(error).toMatchObject({ grant: 'password', status, oauthError: 'invalid_grant' });
  });

  it.each([
    [500, 'oops', 'http-status'],
    [503, '', 'http-status'],
    [429, '', 'http-status'],
    [404, 'not here', 'bad-response'],
    [302, '', 'bad-response'],
    [200, 'not json', 'bad-response'],
    [200, '{"access_token":""}', 'bad-response'],
    [200, '{"token":"a"}', 'bad-response'],
  ])('HTTP %i %j is a transient UpstreamError (%s), not a refusal', async (status, body, reason) => {
    const { endpoint } = endpointAnswering(status, body);
    const error = await endpoint.request({ type: 'password' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ reason, answer: { status } });
    expect(String((error as UpstreamError).detail)).not.toContain(body || '\u0000');
  });
});
