// Where the OpenAI doors answer: OpenAI's own `/v1`, and Google's OpenAI-compatible base path
// `/v1beta/openai` (clients pointed at generativelanguage.googleapis.com/v1beta/openai/ move over
// by changing only the host). The same routes, handlers and envelope under each.
export const openAiBasePaths: readonly string[] = ['/v1', '/v1beta/openai'];
