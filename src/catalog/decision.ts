// What a catalog operation decides, as a value: refuse, answer without writing, or write effects
// and answer. The answer itself (Reply) is data; http/reply.ts renders it, the only place that
// does. The pipeline (pipeline.ts) runs operations: idempotency, files, errors.
import type { ViewMetadata } from '../iceberg/index.js';
import type { CatalogState, Effect } from '../store/index.js';
import type { CatalogContext } from './context.js';
import type { CatalogError } from './errors.js';
import type { RequestContext } from './request-context.js';

/** Who asks, as an authorization check needs it (and notes its decision in). */
export type Asker = Pick<RequestContext, 'principal' | 'audit'>;

/** An operation's authorization: undefined when `req` may run it against `state`, else the 403. */
export type Authorize = (state: CatalogState, req: Asker) => CatalogError | undefined;

/** A LoadTableResult, its parts already serialised (metadata JSON is cached per file). */
export interface TableReply {
  /** absent for a staged create: nothing is written yet */
  readonly location: string | undefined;
  readonly metadataJson: string;
  /** the `config` object as JSON text; absent: the answer has no config (unregister) */
  readonly configJson: string | undefined;
  readonly etag: string | undefined;
  /** the whole body when it is cached (rendered by loadTableBody) */
  readonly body?: Buffer;
}

export type Reply =
  | { readonly kind: 'table'; readonly table: TableReply }
  | { readonly kind: 'view'; readonly location: string; readonly metadata: ViewMetadata }
  /** a 200 with a JSON body serialised by the catalog (lossless for int64 values) */
  | { readonly kind: 'json'; readonly text: string }
  | { readonly kind: 'empty'; readonly status: 204 | 304 | 404; readonly etag?: string };

/** The one place the LoadTableResult body is built. */
export function loadTableBody(table: Pick<TableReply, 'location' | 'metadataJson' | 'configJson'>): string {
  const location = table.location === undefined ? '' : `"metadata-location":${JSON.stringify(table.location)},`;
  const config = table.configJson === undefined ? '' : `,"config":${table.configJson}`;
  return `{${location}"metadata":${table.metadataJson}${config}}`;
}

/** A file to delete once the commit landed (never before: a failed commit must not lose it). */
export type FileDeletion =
  /** a metadata file the new version no longer lists; only under `owner`, the table's location */
  | { readonly kind: 'file'; readonly file: string; readonly owner: string }
  /** a dropped view's metadata file, unless the view says gc.enabled=false */
  | { readonly kind: 'view'; readonly location: string };

export type Decision =
  | { readonly kind: 'reject'; readonly error: CatalogError }
  | { readonly kind: 'noop'; readonly reply: Reply }
  | {
      readonly kind: 'commit';
      readonly effects: Effect[];
      readonly reply: Reply;
      /** metadata files this decision references (the attempt's other files are discarded) */
      readonly filesWritten: readonly string[];
      readonly filesToDeleteAfter: readonly FileDeletion[];
      /** versions whose pointer moves on: dropped from the caches after the commit */
      readonly superseded?: readonly string[];
    };

export const reject = (error: CatalogError): Decision => ({ kind: 'reject', error });
export const noop = (reply: Reply): Decision => ({ kind: 'noop', reply });
export const commit = (
  effects: Effect[],
  reply: Reply,
  filesWritten: readonly string[] = [],
  filesToDeleteAfter: readonly FileDeletion[] = [],
  superseded: readonly string[] = [],
): Decision => ({ kind: 'commit', effects, reply, filesWritten, filesToDeleteAfter, superseded });

export const EMPTY: Reply = { kind: 'empty', status: 204 };
export const jsonReply = (text: string): Reply => ({ kind: 'json', text });

/** Metadata files an attempt wrote; the pipeline deletes those its decision does not keep. */
export interface Attempt {
  readonly written: string[];
}

/**
 * One catalog operation. A read decides once against the current state (after the read
 * barrier); a write decides against the newest state inside the store's committer and may be
 * prepared again after a lost race.
 */
export type Operation =
  | { readonly kind: 'read'; run(ctx: CatalogContext, req: RequestContext): Promise<Decision> }
  | {
      readonly kind: 'write';
      /**
       * Whether the caller may run it, against the state it is about to be decided on: checked
       * before `before` (so a refused caller makes the catalog read no file), and in every
       * prepare before an Idempotency-Key's answer is looked up (so a revoke takes effect at
       * once and a recorded answer is never replayed to a caller who may not run it).
       */
      authorize: Authorize;
      /**
       * Work outside the commit batch, before the first prepare (reading a client's file):
       * `replaying` is true when an Idempotency-Key has an answer recorded, so it can be skipped;
       * `round` > 0 when a prepare asked for it again.
       */
      before?(ctx: CatalogContext, state: CatalogState, round: { replaying: boolean; round: number }): Promise<void>;
      /** `undefined`: `before` must run again first (the state changed under it) */
      prepare(ctx: CatalogContext, state: CatalogState, attempt: Attempt): Promise<Decision | undefined>;
      /** after a landed commit (not after a replay): e.g. wait a while for a purge */
      after?(ctx: CatalogContext): Promise<void>;
    };

export const read = (run: (ctx: CatalogContext, req: RequestContext) => Promise<Decision>): Operation => ({ kind: 'read', run });

/** An operation refused before it starts (its request was invalid). */
export const refused = (error: CatalogError): Operation => read(async () => reject(error));
