// Request bodies are JSON, sent as application/json. Any other content type with a body is
// refused with 415: a browser may send text/plain or a form cross-site without a preflight
// (a "simple request"), so parsing those as JSON let any web page create, commit and delete
// on a local server (CSRF). Absent or other content types with an empty body are fine (a
// DELETE or a POST without a body). Unknown routes still answer 404, whatever the body.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CatalogError } from '../catalog/index.js';
import { REQUEST_BODY_BYTES_MAX, REQUEST_JSON_DEPTH_MAX } from '../config/index.js';
import { jsonDepthExceeds, parseJson } from '../util/index.js';

const unsupported = new WeakSet<FastifyRequest>();
const forms = new WeakMap<FastifyRequest, string>();

/** The raw application/x-www-form-urlencoded body of `request`, or undefined when it came as another type. */
export const formBodyOf = (request: FastifyRequest): string | undefined => forms.get(request);

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: REQUEST_BODY_BYTES_MAX }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    // before parsing: deeper documents overflowed the stack of the code that walks them
    if (jsonDepthExceeds(text, REQUEST_JSON_DEPTH_MAX)) {
      return done(new CatalogError('BadRequest', `Malformed request: JSON nested deeper than ${REQUEST_JSON_DEPTH_MAX} levels`), undefined);
    }
    try {
      // lossless: int64 snapshot ids beyond 2^53 arrive as bigint instead of being rounded
      done(null, parseJson(text));
    } catch (error) {
      done(new CatalogError('BadRequest', `Malformed request: invalid JSON: ${(error as Error).message}`), undefined);
    }
  });
  // a form is refused like any other non-JSON body (CSRF), except by the one route that reads
  // forms: the OAuth token endpoint (http/auth/token-endpoint.ts), which takes it from here
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: REQUEST_BODY_BYTES_MAX }, (request, body, done) => {
    const text = body as string;
    forms.set(request, text);
    if (text.length > 0) unsupported.add(request);
    done(null, undefined);
  });
  // every other type (and none) is read within the body limit, then refused by the route if non-empty
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: REQUEST_BODY_BYTES_MAX }, (request, body, done) => {
    if ((body as string).length > 0) unsupported.add(request);
    done(null, undefined);
  });
}

/** Throws 415 when the request came with a body that is not application/json. */
export function assertJsonBody(request: FastifyRequest): void {
  if (unsupported.has(request)) {
    const type = request.headers['content-type'];
    const what = type === undefined ? 'no Content-Type' : `Content-Type ${JSON.stringify(String(type).slice(0, 100))}`;
    throw new CatalogError('UnsupportedMediaType', `Unsupported media type: a request body needs Content-Type application/json, not ${what}`);
  }
}
