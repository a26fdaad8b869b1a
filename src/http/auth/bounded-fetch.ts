// One GET of a small JSON document from an identity provider, bounded in time and size: the
// provider is another service, and a slow or hostile one must not hang or fill the server.
import { OIDC_DOCUMENT_BYTES_MAX, OIDC_FETCH_TIMEOUT_MS } from '../../config/index.js';

export class ProviderUnreachable extends Error {
  override name = 'ProviderUnreachable';
}

/** The body of `url` (HTTP 200 only, redirects not followed), or ProviderUnreachable. */
export async function fetchBounded(url: string, signal?: AbortSignal): Promise<Response> {
  const timeout = AbortSignal.timeout(OIDC_FETCH_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    throw new ProviderUnreachable(`GET ${url} failed: ${(error as Error).message}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new ProviderUnreachable(`GET ${url} answered ${response.status}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > OIDC_DOCUMENT_BYTES_MAX) throw new ProviderUnreachable(`GET ${url}: the document is over ${OIDC_DOCUMENT_BYTES_MAX} bytes`);
      chunks.push(chunk);
    }
  } catch (error) {
    await response.body?.cancel().catch(() => undefined);
    if (error instanceof ProviderUnreachable) throw error;
    throw new ProviderUnreachable(`GET ${url} failed while reading: ${(error as Error).message}`);
  }
  return new Response(Buffer.concat(chunks), { status: 200, headers: { 'content-type': 'application/json' } });
}
