import type { FastifyInstance } from 'fastify';
import { HookpostError } from '../core/errors.js';

/**
 * Replaces the JSON body parser with one that first measures nesting on the raw text: a body
 * of 100k nested brackets parses fine but overflows the stack of any recursive code that walks
 * it later (validation, JSON.stringify at storage), which would be a 500. Fastify's own parser,
 * with its __proto__ and constructor.prototype guards, then does the parsing.
 */
export function installJsonBodyParser(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // Clients (and HTTP libraries) send `content-type: application/json` with no body on POSTs
    // that take none (retry, rotate-secret): that is an empty object, not a malformed document.
    if ((body as string).trim() === '') {
      done(null, {});
      return;
    }
    if (jsonNestingExceeds(body as string, maxDepth)) {
      done(new HookpostError('bad_request', `The JSON body is nested deeper than ${maxDepth} levels.`), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}

/** Whether arrays and objects in `text` nest deeper than `maxDepth`; brackets inside strings do not count. */
export function jsonNestingExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * Where the string opened at `open` ends: its closing quote, or the text's end. Found with indexOf,
 * not character by character: most of a webhook payload's text is inside strings, and a batch of
 * 500 events is half a megabyte, which the scan per character took about 2.4 µs an event to walk.
 * A quote after an odd run of backslashes is escaped.
 */
function closingQuote(text: string, open: number): number {
  for (let quote = text.indexOf('"', open + 1); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return text.length;
}
