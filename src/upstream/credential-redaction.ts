/**
 * Removes the credential we sent upstream from text the upstream wrote (an error message that
 * echoes the request's Authorization header, or only its token), before that text reaches a
 * client or a log line. Both the whole header value and the bare token after its scheme are
 * redacted: upstreams quote either.
 */
const REDACTED = '[redacted]';

export function redactCredential(text: string, authorization: string | undefined): string {
  if (!authorization) return text;
  let redacted = text;
  for (const secret of credentialForms(authorization)) {
    if (redacted.includes(secret)) redacted = redacted.split(secret).join(REDACTED);
  }
  return redacted;
}

/** The whole value first (so it is replaced as one), then the token without its scheme. */
function credentialForms(authorization: string): string[] {
  const whole = authorization.trim();
  const forms = [whole];
  const token = /^\S+\s+(\S.*)$/.exec(whole)?.[1]?.trim();
  if (token && token !== whole) forms.push(token);
  return forms.filter((form) => form.length > 0);
}
