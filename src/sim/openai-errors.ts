// OpenAI's error envelope `{"error":{message,type,param,code}}` with the messages its API uses.

export interface OpenAiError {
  httpStatus: number;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
  headers?: Record<string, string>;
}

function openAiError(
  httpStatus: number,
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): OpenAiError {
  return { httpStatus, body: { error: { message, type, param, code } } };
}

export function invalidValue(param: string, message: string): OpenAiError {
  return openAiError(400, message, 'invalid_request_error', param, 'invalid_value');
}

export function missingParameter(param: string): OpenAiError {
  return openAiError(
    400,
    `Missing required parameter: '${param}'.`,
    'invalid_request_error',
    param,
    'missing_required_parameter',
  );
}

export function invalidJsonBody(): OpenAiError {
  return openAiError(
    400,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    'invalid_request_error',
    null,
    null,
  );
}

export function missingApiKey(): OpenAiError {
  return openAiError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    'invalid_request_error',
    null,
    'invalid_api_key',
  );
}

export function incorrectApiKey(key: string): OpenAiError {
  const masked = key.length > 8 ? `${key.slice(0, 3)}*****${key.slice(-4)}` : '*****';
  return openAiError(
    401,
    `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );
}

/** OpenAI's answer to a gone or unknown model, on every path (param null, as the API sends it). */
export function modelNotFound(model: string): OpenAiError {
  return openAiError(
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    null,
    'model_not_found',
  );
}

export function routeNotFound(method: string, path: string): OpenAiError {
  return openAiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null, null);
}

export function rateLimited(model: string, retryAfterSeconds = 2): OpenAiError {
  const error = openAiError(
    429,
    `Rate limit reached for ${model} in organization org-upstreamsim on images per minute (IPM): Limit 5, Used 5, Requested 1. Please try again in ${retryAfterSeconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
    'requests',
    null,
    'rate_limit_exceeded',
  );
  error.headers = { 'retry-after': String(retryAfterSeconds) };
  return error;
}

export function serverError(): OpenAiError {
  return openAiError(
    500,
    'The server had an error while processing your request. Sorry about that!',
    'server_error',
    null,
    null,
  );
}

export function overloaded(): OpenAiError {
  return openAiError(
    503,
    'The engine is currently overloaded, please try again later',
    'server_error',
    null,
    null,
  );
}

/** The engine could not follow the instruction: no image, stated as a user error like moderation is. */
export function imageGenerationFailed(reason: string): OpenAiError {
  return openAiError(
    400,
    `The image could not be generated: ${reason}`,
    'image_generation_user_error',
    'prompt',
    'image_generation_failed',
  );
}

/** `GET`/`DELETE /v1/responses/{id}` for an id this key never stored (or another key did). */
export function responseNotFound(id: string): OpenAiError {
  return openAiError(404, `Response with id '${id}' not found.`, 'invalid_request_error', null, null);
}

export function previousResponseNotFound(id: string): OpenAiError {
  return openAiError(
    400,
    `Previous response with id '${id}' not found.`,
    'invalid_request_error',
    'previous_response_id',
    'previous_response_not_found',
  );
}
