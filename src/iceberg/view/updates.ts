// Applying a CommitViewRequest's ViewUpdates: each update is validated and applied in order, so
// the first failure is the one a client sees, as with Java's parser-then-builder loop.
import { z } from 'zod';
import { assertNever, err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
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
const isViewAction = (action: string): action is ViewUpdateAction => VIEW_ACTIONS.has(action);

// TableUpdate actions: valid JSON for the endpoint family, meaningless for a view.
const TABLE_ONLY_ACTIONS: ReadonlySet<string> = new Set([
  'set-current-schema', 'add-spec', 'set-default-spec', 'add-sort-order', 'set-default-sort-order', 'add-snapshot',
  'set-snapshot-ref', 'remove-snapshots', 'remove-snapshot-ref', 'set-statistics', 'remove-statistics',
  'set-partition-statistics', 'remove-partition-statistics', 'remove-partition-specs', 'remove-schemas',
  'add-encryption-key', 'remove-encryption-key',
]);

const ViewUpdateZ = asJsonObject('view update').transform((o, ctx): ViewUpdate => {
  const action = o.action;
  if (typeof action !== 'string') return javaIssue(ctx, `Cannot parse metadata update, missing action: ${show(o)}`, IAE);
  if (isViewAction(action)) return { action, ...parseInto(javaShape(VIEW_UPDATES[action]), o, ctx) } as ViewUpdate;
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
