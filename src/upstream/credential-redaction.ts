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
  for (const secret of credentialForms(authorization)) redacted = replaceAll(redacted, secret, REDACTED);
  return redacted;
}

/** `text` with every occurrence of `find` replaced (no regular expression: `find` is literal). */
function replaceAll(text: string, find: string, replaceWith: string): string {
  return text.includes(find) ? text.split(find).join(replaceWith) : text;
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
export function upstreamAddressForms(upstreamUrl: string): AddressForm[] {
  const { protocol, host, hostname } = new URL(upstreamUrl);
  const forms = [`${protocol}//${host}`, `${protocol}//${hostname}`, host];
  if (/[.:]/.test(hostname)) forms.push(hostname);
  // A scheme keeps its place ("http://[upstream]/path"), so the rest of the message still reads.
  return [...new Set(forms)]
    .sort((a, b) => b.length - a.length)
    .map((form) => ({ form, replacement: form.startsWith(`${protocol}//`) ? `${protocol}//${ADDRESS}` : ADDRESS }));
}

/** One way the upstream's address is written, and what it becomes; built once, at start-up. */
export interface AddressForm {
  form: string;
  replacement: string;
}

const ADDRESS = '[upstream]';

/**
 * Replaces the upstream's address in text it wrote (a message naming the server or the URL it was
 * called at): clients never learn where the gateway's upstream lives.
 */
export function redactAddress(text: string, addressForms: readonly AddressForm[]): string {
  let redacted = text;
  for (const { form, replacement } of addressForms) redacted = replaceAll(redacted, form, replacement);
  return redacted;
}
