// Applying a CommitViewRequest's ViewUpdates: each update is validated and applied in order, so
// the first failure is the one a client sees, as with Java's parser-then-builder loop.
import { z } from 'zod';
import { assertNever, err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import { TABLE_UPDATE_ACTIONS } from '../table/index.js';
import {
  IAE,
  asJsonObject,
  javaInt,
  javaIssue,
  javaShape,
  javaString,
  javaStringList,
  javaStringMap,
  parseInto,
  show,
  validateJava,
} from '../wire/index.js';
import { ViewMetadataBuilder, type ViewUpdateAction } from './builder.js';
import { ViewSchemaZ, ViewVersionZ, type ViewMetadata } from './wire.js';

// `last-column-id` of add-schema (deprecated) is meaningless for views and ignored, as in Java.
const VIEW_UPDATES = {
  'assign-uuid': { uuid: javaString('uuid') },
  'upgrade-format-version': { 'format-version': javaInt('format-version') },
  'add-schema': { schema: ViewSchemaZ },
  'set-location': { location: javaString('location') },
  'set-properties': { updates: javaStringMap('updates') },
  'remove-properties': { removals: javaStringList('removals') },
  'add-view-version': { 'view-version': ViewVersionZ },
  'set-current-view-version': { 'view-version-id': javaInt('view-version-id') },
} satisfies Record<ViewUpdateAction, z.core.$ZodLooseShape>;
type Shapes = typeof VIEW_UPDATES;

/** One ViewUpdate: the action and its checked fields. */
export type ViewUpdate = {
  [A in ViewUpdateAction]: { action: A } & z.infer<z.ZodObject<Shapes[A]>>;
}[ViewUpdateAction];

const VIEW_ACTIONS: ReadonlySet<string> = new Set(Object.keys(VIEW_UPDATES));

// TableUpdate actions are valid JSON for the endpoint family but meaningless for a view.
const TABLE_ONLY_ACTIONS: ReadonlySet<string> = new Set([...TABLE_UPDATE_ACTIONS].filter((a) => !VIEW_ACTIONS.has(a)));

const VIEW_UPDATE_SCHEMAS = new Map(Object.entries(VIEW_UPDATES).map(([action, shape]) => [action, javaShape(shape)]));

const ViewUpdateZ = asJsonObject('view update').transform((o, ctx): ViewUpdate => {
  const action = o.action;
  if (typeof action !== 'string') return javaIssue(ctx, `Cannot parse metadata update, missing action: ${show(o)}`, IAE);
  const schema = VIEW_UPDATE_SCHEMAS.get(action);
  // the shape checked the fields of this action, so the pair is one ViewUpdate
  if (schema) return { action, ...parseInto(schema, o, ctx) } as ViewUpdate;
  if (TABLE_ONLY_ACTIONS.has(action)) return javaIssue(ctx, `Cannot apply update ${action} to a view`, IAE);
  return javaIssue(ctx, `Cannot apply unknown view update action: ${action}`, IAE);
});

export const parseViewUpdate = (raw: unknown): Result<ViewUpdate, IcebergError> =>
  validateJava(ViewUpdateZ, raw);

function apply(b: ViewMetadataBuilder, u: ViewUpdate): Result<unknown, IcebergError> {
  switch (u.action) {
    case 'assign-uuid':
      return b.assignUuid(u.uuid);
    case 'upgrade-format-version':
      return b.upgradeFormatVersion(u['format-version']);
    case 'add-schema':
      return ok(b.addSchema(u.schema));
    case 'set-location':
      return b.setLocation(u.location);
    case 'set-properties':
      return b.setProperties(u.updates);
    case 'remove-properties':
      return b.removeProperties(u.removals);
    case 'add-view-version':
      return b.addVersion(u['view-version']);
    case 'set-current-view-version':
      return b.setCurrentVersionId(u['view-version-id']);
    default:
      return assertNever(u, 'view update');
  }
}

/**
 * Applies the updates to `base` (never mutated). `changed` is false when every update was a
 * no-op; the caller then must not write a new metadata file (Java skips the commit), and
 * `metadata` is a copy of `base`.
 */
export function applyViewUpdates(
  base: ViewMetadata,
  updates: unknown[],
  ctx: { nowMs: number },
): Result<{ metadata: ViewMetadata; changed: boolean }, IcebergError> {
  if (!Array.isArray(updates)) return err(invalid('Invalid updates: not a list', IAE));
  const b = ViewMetadataBuilder.from(base, ctx.nowMs);
  if (!b.ok) return b;
  for (const raw of updates) {
    const u = parseViewUpdate(raw);
    if (!u.ok) return u;
    const applied = apply(b.value, u.value);
    if (!applied.ok) return applied;
  }
  const built = b.value.build();
  if (!built.ok) return built;
  if (b.value.changes.length === 0) return ok({ metadata: structuredClone(base), changed: false });
  return ok({ metadata: built.value, changed: true });
}
