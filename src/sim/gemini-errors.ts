// Google's error envelopes and exact messages (WIRE.md §6): `{"error":{code,message,status,details}}`.

export interface GoogleError {
  httpStatus: number;
  body: { error: { code: number; message: string; status: string; details?: unknown[] } };
  headers?: Record<string, string>;
}

const typePrefix = 'type.googleapis.com/google.rpc.';

function googleError(httpStatus: number, status: string, message: string, details?: unknown[]): GoogleError {
  const error: GoogleError['body']['error'] = { code: httpStatus, message, status };
  if (details) error.details = details;
  return { httpStatus, body: { error } };
}

export function invalidArgument(message: string, fieldViolations?: { field: string; description: string }[]) {
  const details = fieldViolations ? [{ '@type': `${typePrefix}BadRequest`, fieldViolations }] : undefined;
  return googleError(400, 'INVALID_ARGUMENT', message, details);
}

export function apiKeyInvalid(): GoogleError {
  const message = 'API key not valid. Please pass a valid API key.';
  return googleError(400, 'INVALID_ARGUMENT', message, [
    {
      '@type': `${typePrefix}ErrorInfo`,
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': `${typePrefix}LocalizedMessage`, locale: 'en-US', message },
  ]);
}

export function unregisteredCaller(): GoogleError {
  return googleError(
    403,
    'PERMISSION_DENIED',
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );
}

export function vertexUnauthenticated(): GoogleError {
  return googleError(
    401,
    'UNAUTHENTICATED',
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    [
      {
        '@type': `${typePrefix}ErrorInfo`,
        reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
        metadata: {
          service: 'aiplatform.googleapis.com',
          method: 'google.cloud.aiplatform.v1.PredictionService',
        },
      },
    ],
  );
}

export function modelNotFound(model: string, method: string): GoogleError {
  return googleError(
    404,
    'NOT_FOUND',
    `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  );
}

export function vertexModelNotFound(resource: string): GoogleError {
  return googleError(
    404,
    'NOT_FOUND',
    `Publisher Model \`${resource}\` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions`,
  );
}

export function routeNotFound(): GoogleError {
  return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
}

export function interactionNotFound(id: string): GoogleError {
  return googleError(404, 'NOT_FOUND', `Interaction ${id} not found.`);
}

/** Not documented by Google; a 400 naming the field, since no retry or other route can help. */
export function previousInteractionNotFound(id: string): GoogleError {
  const message = `previous_interaction_id "${id}" names no stored interaction of this API key.`;
  return invalidArgument(message, [{ field: 'previous_interaction_id', description: message }]);
}

export function quotaExhausted(model: string, retryDelaySeconds = 2): GoogleError {
  const error = googleError(
    429,
    'RESOURCE_EXHAUSTED',
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    [
      {
        '@type': `${typePrefix}QuotaFailure`,
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_input_token_count',
            quotaId: 'GenerateContentInputTokensPerModelPerMinute-FreeTier',
            quotaDimensions: { location: 'global', model },
            quotaValue: '250000',
          },
        ],
      },
      {
        '@type': `${typePrefix}Help`,
        links: [
          {
            description: 'Learn more about Gemini API quotas',
            url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
          },
        ],
      },
      { '@type': `${typePrefix}RetryInfo`, retryDelay: `${retryDelaySeconds}s` },
    ],
  );
  error.headers = { 'Retry-After': String(retryDelaySeconds) };
  return error;
}

export function internalError(): GoogleError {
  return googleError(
    500,
    'INTERNAL',
    'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  );
}

export function overloaded(): GoogleError {
  return googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
}

export function payloadTooLarge(limitBytes: number): GoogleError {
  return invalidArgument(`Request payload size exceeds the limit: ${limitBytes} bytes.`);
}
