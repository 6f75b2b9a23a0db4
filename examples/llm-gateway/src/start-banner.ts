/** What the start command prints, so a newcomer can try the gateway at once. */
export interface StartBannerInput {
  /** The base URL the gateway listens on. */
  readonly url: string;
  readonly models: readonly string[];
  /** Printed when it was generated for this run (not configured). */
  readonly generatedAdminToken?: string;
  /** A key generated for this run because none was configured. */
  readonly demoKey?: { readonly key: string; readonly userId: string; readonly tier: string };
  /** Where the `openai` package resolves from (the gateway's directory). */
  readonly packageDir: string;
}

/** Single-quotes a value for a POSIX shell. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The lines printed once the gateway listens. */
export function startBanner(input: StartBannerInput): string {
  const lines: string[] = [''];
  const model = input.models[0] ?? 'mock';
  if (input.generatedAdminToken) {
    lines.push(
      'No ADMIN_TOKEN set; generated admin token for this run:',
      `  ${input.generatedAdminToken}`,
      '',
    );
  }
  if (input.demoKey) {
    const { key, userId, tier } = input.demoKey;
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] });
    const script =
      'import OpenAI from "openai"; ' +
      `const client = new OpenAI({ baseURL: "${input.url}/v1", apiKey: "${key}" }); ` +
      `const answer = await client.chat.completions.create({ model: "${model}", messages: [{ role: "user", content: "Hello" }] }); ` +
      'console.log(answer.choices[0].message.content);';
    lines.push(
      `No API keys configured; demo API key for this run (user ${userId}, tier ${tier}):`,
      `  ${key}`,
      '',
      'Try it with curl:',
      `  curl -sS ${input.url}/v1/chat/completions -H 'authorization: Bearer ${key}' -H 'content-type: application/json' -d ${shellQuote(body)}`,
      '',
      'Or with the official openai client:',
      `  cd ${shellQuote(input.packageDir)} && node --input-type=module -e ${shellQuote(script)}`,
      '',
    );
  }
  lines.push(`Breakwater LLM gateway on ${input.url} (models: ${input.models.join(', ')})`, '');
  return lines.join('\n');
}
