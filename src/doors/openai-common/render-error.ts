// Renders a GatewayError in OpenAI's envelope: {"error":{"message","type","param","code"}}, and
// renames the canonical (Gemini) field paths validation reports into the OpenAI door's own names.
import { GatewayError } from '../../canonical/errors.js';
import { scrubOutgoingText } from '../../security/known-secrets.js';

export interface OpenAiErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's `type`: what kind of failure, as the SDKs read it. */
function errorType(error: GatewayError): string {
  if (error.errorClass === 'safety') return 'image_generation_user_error';
  // insufficient_quota is the caller's own budget (its key's spend limit); an upstream channel out of
  // quota (code upstream_quota) is the gateway's route, which SDKs must not blame on the caller.
  if (error.httpStatus === 429)
    return error.code === 'insufficient_quota' ? 'insufficient_quota' : 'requests';
  if (error.httpStatus >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Every configured secret is scrubbed from what is shown (the last line of defence). */
export function openAiErrorBody(error: GatewayError): OpenAiErrorEnvelope {
  const code = error.code ?? (error.errorClass === 'safety' ? 'moderation_blocked' : null);
  return {
    error: {
      message: scrubOutgoingText(error.message),
      type: errorType(error),
      param: error.param === undefined ? null : scrubOutgoingText(error.param),
      code: code === null ? null : scrubOutgoingText(code),
    },
  };
}

/** The same error with `param` renamed by `names` (canonical path → door field); others unchanged. */
export function renameParam(error: unknown, names: Readonly<Record<string, string>>): unknown {
  if (!(error instanceof GatewayError) || error.param === undefined || !(error.param in names)) return error;
  return error.withParam(names[error.param]);
}
