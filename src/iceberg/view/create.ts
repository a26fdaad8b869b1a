// POST …/views: the first metadata of a view from a CreateViewRequest. The request's schema
// becomes schema 0, its view-version becomes version 1 stamped `nowMs`; `request.location` wins
// over the catalog's default location for the view.
import { z } from 'zod';
import type { Result } from '../../util/index.js';
import type { IcebergError } from '../errors.js';
import {
  IAE,
  ISE,
  asJsonObject,
  javaIssue,
  javaLooseShape,
  javaShape,
  javaStringMapOrEmpty,
  javaStringOrUndefined,
  parseInto,
  show,
  validateJava,
} from '../wire/index.js';
import { ViewMetadataBuilder } from './builder.js';
import { ViewSchemaZ, ViewVersionZ, type ViewMetadata } from './wire.js';

const present = (message: string) =>
  z.unknown().transform((v, ctx) => (v === undefined || v === null ? javaIssue(ctx, message, IAE) : v));

const CreateViewBodyZ = javaShape({
      schema: ViewSchemaZ,
      'view-version': ViewVersionZ.transform((v, ctx) =>
        v.representations.length > 0 ? v : javaIssue(ctx, 'Cannot create view without specifying a query', ISE),
      ),
      properties: javaStringMapOrEmpty('properties'),
      location: javaStringOrUndefined('location'),
});

// Java CreateViewRequest.validate() runs before any part is parsed, hence two stages.
const CreateViewRequestZ = asJsonObject('create view request')
  .pipe(
    javaLooseShape({
      name: z.unknown().transform((v, ctx) =>
        typeof v === 'string' && v.length > 0 ? v : javaIssue(ctx, `Invalid view name: ${show(v ?? null)}`, IAE),
      ),
      schema: present('Invalid schema: null'),
      'view-version': present('Invalid view version: null'),
    }),
  )
  .transform((o, ctx) => parseInto(CreateViewBodyZ, o, ctx));


export interface ViewCreateContext {
  /** the catalog's default location for the view */
  location: string;
  nowMs: number;
  uuid: string;
}

export function newViewMetadata(request: unknown, ctx: ViewCreateContext): Result<ViewMetadata, IcebergError> {
  const parsed = validateJava(CreateViewRequestZ, request);
  if (!parsed.ok) return parsed;
  const req = parsed.value;
  const b = ViewMetadataBuilder.empty(ctx.nowMs);
  const steps = [
    () => b.assignUuid(ctx.uuid),
    () => b.setProperties(req.properties),
    () => b.setLocation(req.location || ctx.location),
  ];
  for (const step of steps) {
    const r = step();
    if (!r.ok) return r;
  }
  const schemaId = b.addSchema(req.schema);
  const added = b.addVersion({ ...req['view-version'], 'version-id': 1, 'timestamp-ms': ctx.nowMs, 'schema-id': schemaId });
  if (!added.ok) return added;
  const current = b.setCurrentVersionId(added.value);
  if (!current.ok) return current;
  return b.build();
}
