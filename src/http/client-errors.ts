// Answers for requests Node's HTTP parser rejects before Fastify sees them (headers too large,
// a bad Content-Length, a request that timed out): written straight to the socket, in the Iceberg
// envelope, and without a body when the request was a HEAD (a body after a HEAD answer would be
// read by a keep-alive client as the start of the next response). The socket is closed after.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { CatalogError, type CatalogErrorCode } from '../catalog/index.js';
import { REQUEST_HEADERS_BYTES_MAX } from '../config/index.js';
import { envelope } from './error-envelope.js';

interface ClientError extends Error {
  code?: string;
  /** the chunk the parser failed on (Node sets a Buffer for parse errors; Fastify's types differ) */
  rawPacket?: unknown;
}

function classify(code: string | undefined): { code: CatalogErrorCode; message: string } {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'RequestTimeout', message: 'Request timeout: the request was not received in time' };
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'HeadersTooLarge', message: `Request headers too large (at most ${REQUEST_HEADERS_BYTES_MAX} bytes with the request line)` };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { code: 'BadRequest', message: 'Malformed request: invalid Content-Length' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return { code: 'BadRequest', message: 'Malformed request: invalid Transfer-Encoding or chunk' };
    default:
      return { code: 'BadRequest', message: 'Malformed request: not a valid HTTP request' };
  }
}

/** What Node keeps on the socket of the request in progress, if its headers were parsed. */
type HttpSocket = Socket & { _httpMessage?: { headersSent?: boolean; req?: { method?: string } } };

/**
 * The method of the request that failed: the one in progress (a body that timed out), or the
 * start of the chunk the parser failed on; undefined when it cannot be told (then no body is
 * sent, as for a HEAD: the safe choice).
 */
function methodOf(socket: HttpSocket, rawPacket: unknown): string | undefined {
  const inProgress = socket._httpMessage?.req?.method;
  if (inProgress !== undefined) return inProgress;
  if (!Buffer.isBuffer(rawPacket)) return undefined;
  const match = /^([A-Z]{3,10}) /.exec(rawPacket.subarray(0, 12).toString('latin1'));
  return match?.[1];
}

export function answerClientError(error: ClientError, socket: Socket): void {
  // a reset connection has nobody to answer
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // an answer already under way on this socket cannot be followed by another one
  if (socket.writable && !(socket as HttpSocket)._httpMessage?.headersSent) {
    const { code, message } = classify(error.code);
    const known = new CatalogError(code, message);
    const body = JSON.stringify(envelope(known.status, known.type, message));
    const method = methodOf(socket, error.rawPacket);
    const withBody = method !== undefined && method !== 'HEAD';
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${withBody ? Buffer.byteLength(body) : 0}\r\n` +
        'Connection: close\r\n\r\n' +
        (withBody ? body : ''),
    );
  }
  socket.destroy();
}
