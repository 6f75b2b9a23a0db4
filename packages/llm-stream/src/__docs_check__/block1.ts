import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import {
  anthropicSource,
  createStreamManager,
  geminiSource,
  iterableSource,
  openaiResponsesSource,
} from '@breakwater/llm-stream';

const manager = createStreamManager();

const claude = anthropicSource(new Anthropic(), {
  model: 'claude-sonnet-5',
  max_tokens: 512,
  messages: [{ role: 'user', content: 'Hello' }],
});
const gemini = geminiSource(new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY }), {
  model: 'gemini-2.5-flash',
  contents: 'Hello',
  config: { maxOutputTokens: 256 },
});
const responses = openaiResponsesSource(new OpenAI(), { model: 'gpt-4.1-mini', input: 'Hello' });
// Anything that yields strings: a LangChain `.stream()`, an AI SDK `textStream`, your generator.
const custom = iterableSource(
  async function* () {
    yield 'Hello';
    yield ' world';
  },
  { provider: 'custom', model: 'echo' },
);

const reply = await manager.stream(claude).consume();
console.log(reply.type, gemini.model, responses.model, custom.model);

export {};
