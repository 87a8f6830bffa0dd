// Sending on the OpenAI routes: errors in OpenAI's envelope, and the faults that replace an answer.

import type { ServerResponse } from 'node:http';
import type { ActiveFaults } from './faults.js';
import { resetConnection, send, writeForever } from './http-io.js';
import * as errors from './openai-errors.js';

export function sendOpenAiError(response: ServerResponse, error: errors.OpenAiError): void {
  send(response, error.httpStatus, 'application/json', JSON.stringify(error.body, null, 2), error.headers);
}

/** Applies the faults that replace the answer; returns true when the response is taken care of. */
export function sendFailure(
  response: ServerResponse,
  faults: ActiveFaults,
  model: string,
  streaming: boolean,
): boolean {
  if (faults.has('reset')) resetConnection(response);
  else if (faults.has('503')) sendOpenAiError(response, errors.overloaded());
  else if (faults.has('500')) sendOpenAiError(response, errors.serverError());
  else if (faults.has('429')) sendOpenAiError(response, errors.rateLimited(model));
  else if (faults.has('html-error')) send(response, 200, 'text/html', '<html>Bad Gateway</html>');
  else if (faults.has('invalid-json')) {
    const broken = '{"created": 1713833628, "data": [{"b64_json": ]';
    send(
      response,
      200,
      streaming ? 'text/event-stream' : 'application/json',
      streaming ? `data: ${broken}\n\n` : broken,
    );
  } else if (faults.has('endless-stream')) {
    response.writeHead(200, {
      'Content-Type': streaming ? 'text/event-stream; charset=utf-8' : 'application/json',
    });
    writeForever(response, streaming ? ': keepalive\n\n' : '\n', 200);
  } else return false;
  return true;
}
