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

/**
 * The upstream's own address as its messages may quote it: host with port
 * ("coins.internal:8443", "10.1.2.3:8080"), then the host name alone when it cannot be an
 * ordinary word (it has a dot or a colon: a domain or an IP address; a bare "coins" would turn
 * "Insufficient coins" into nonsense), and always after a scheme ("http://coins"). Longest first,
 * so a longer form is replaced as one.
 */
export function upstreamAddressForms(upstreamUrl: string): string[] {
  const { protocol, host, hostname } = new URL(upstreamUrl);
  const forms = [`${protocol}//${host}`, `${protocol}//${hostname}`, host];
  if (/[.:]/.test(hostname)) forms.push(hostname);
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

const ADDRESS = '[upstream]';

/**
 * Replaces the upstream's address in text it wrote (a message naming the server or the URL it was
 * called at): clients never learn where the gateway's upstream lives. A scheme keeps its place
 * ("http://[upstream]/path"), so the rest of the message still reads.
 */
export function redactAddress(text: string, addressForms: readonly string[]): string {
  let redacted = text;
  for (const form of addressForms) {
    if (!redacted.includes(form)) continue;
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(form)?.[0] ?? '';
    redacted = redacted.split(form).join(`${scheme}${ADDRESS}`);
  }
  return redacted;
}
