// ViewRequirements (409 on failure). Each is validated and checked in order, as Java does.
import { z } from 'zod';
import { assertNever, err, ok, type Result } from '../../util/index.js';
import { conflict, invalid, type IcebergError } from '../errors.js';
import { IAE, asJsonObject, javaIssue, javaShape, javaString, show, validateJava } from '../wire/index.js';
import type { ViewMetadata } from './wire.js';

const ViewRequirementZ = asJsonObject('view requirement')
  .transform((o, ctx) => {
    const type = o.type;
    if (type === 'assert-view-uuid') return o;
    return javaIssue(ctx, `Cannot parse view requirement, unknown type: ${typeof type === 'string' ? type : show(type)}`, IAE);
  })
  .pipe(javaShape({ type: z.literal('assert-view-uuid'), uuid: javaString('uuid') }));
export type ViewRequirement = z.infer<typeof ViewRequirementZ>;

function check(r: ViewRequirement, base: ViewMetadata): Result<void, IcebergError> {
  switch (r.type) {
    case 'assert-view-uuid':
      // Java: equalsIgnoreCase, base uuid first in the message
      return r.uuid.toLowerCase() === base['view-uuid'].toLowerCase()
        ? ok(undefined)
        : err(conflict(`Requirement failed: view UUID does not match: expected ${base['view-uuid']} != ${r.uuid}`));
    default:
      return assertNever(r.type, 'view requirement');
  }
}

export function checkViewRequirements(requirements: unknown[], base: ViewMetadata): Result<void, IcebergError> {
  if (!Array.isArray(requirements)) return err(invalid('Invalid requirements: not a list', IAE));
  for (const raw of requirements) {
    const r = validateJava(ViewRequirementZ, raw);
    if (!r.ok) return r;
    const checked = check(r.value, base);
    if (!checked.ok) return checked;
  }
  return ok(undefined);
}
