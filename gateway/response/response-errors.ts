// The response actions' errors: stable codes (asserted by tests, never the message text) and the
// error class that carries one. The API adapter answers them as registry errors (action.emergency,
// action.not-found, request.invalid with `details`).

/** Every response-action error code, with what it means. */
export const RESPONSE_ERRORS = Object.freeze({
  /** The peer is on the emergency list, is the gateway, or is a network holding one of them; the device holds such an address. */
  'action.emergency': 'the emergency list and the gateway\'s own addresses are never blocked or quarantined',
  /** No action with that id. */
  'action.not-found': 'no response action with this id',
  /** The request is malformed (a MAC, an address or network, an incident id or a note); `details` say where. */
  'action.invalid': 'the action request is malformed',
});

/** A stable code of {@link RESPONSE_ERRORS}. */
export type ResponseErrorCode = keyof typeof RESPONSE_ERRORS;

/** One fault of a refused request: a JSON Pointer path into the request, a code and a sentence. */
export interface ResponseErrorDetail {
  path: string;
  code: string;
  message: string;
}

/** A refused response action: a stable code and, for `action.invalid`, each fault. */
export class ResponseError extends Error {
  constructor(readonly code: ResponseErrorCode, message: string = RESPONSE_ERRORS[code], readonly details: ResponseErrorDetail[] = []) {
    super(message);
    this.name = 'ResponseError';
  }
}
