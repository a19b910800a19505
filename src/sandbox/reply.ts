// What a route answers: status, headers and an already-serialised body. Routes return replies
// instead of writing to the socket so that faults can run the processing and drop the answer.

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

/** The coins envelope. Key order follows the Create/Update examples in the docs. */
function envelope(status: number, responseCode: number, message: string, payload: unknown): Reply {
  return {
    status,
    headers: JSON_HEADERS,
    body: JSON.stringify({ payload, response_code: responseCode, response_message: message }),
  };
}

export function success(payload: unknown): Reply {
  return envelope(200, 0, 'Success', payload);
}

/**
 * The EnKash family convention for business failures: HTTP 200, response_code 1, the reason both
 * in response_message and as the payload.
 */
export function businessFailure(message: string): Reply {
  return envelope(200, 1, message, message);
}

/** HTTP-level errors carry the status as response_code and no payload. */
export function httpError(status: number, message: string): Reply {
  return envelope(status, status, message, null);
}

export function json(status: number, value: unknown): Reply {
  return { status, headers: JSON_HEADERS, body: JSON.stringify(value) };
}
