// Group commit puts several txns into one log entry. They were each prepared against the same
// head, so they may go together only when none reads or writes what another changes: then the
// entry means the same whatever order its txns are applied in. A footprint names what a txn
// touches; a batch keeps the union of the footprints it admitted.
import { assert, assertNever } from '../util/index.js';
import type { Effect, IdempotencyRecord } from './effects.js';
import { CatalogState, entityKey, nsKey } from './state.js';

/**
 * What a txn reads, writes and adds to (adds commute: two creates in one namespace do not
 * conflict, but a create and a drop of that namespace do).
 */
export interface Footprint {
  reads: string[];
  writes: string[];
  adds: string[];
}

const ACCESS = 'access';

export function footprintOf(effects: Effect[], idem: IdempotencyRecord | undefined): Footprint {
  const f: Footprint = { reads: [], writes: [], adds: [] };
  const ns = (levels: string[]) => `ns:${nsKey(levels)}`;
  const content = (levels: string[]) => `in:${nsKey(levels)}`;
  const entity = (levels: string[], name: string) => `e:${entityKey(levels, name)}`;
  for (const e of effects) {
    switch (e.op) {
      case 'ns.create':
        f.writes.push(ns(e.ns));
        f.reads.push(ns(e.ns.slice(0, -1)));
        f.adds.push(content(e.ns.slice(0, -1)));
        break;
      case 'ns.drop':
        f.writes.push(ns(e.ns));
        f.reads.push(content(e.ns));
        f.adds.push(content(e.ns.slice(0, -1)));
        break;
      case 'ns.setProperties':
        f.writes.push(ns(e.ns));
        break;
      case 'table.create':
      case 'view.create':
        f.writes.push(entity(e.ns, e.name));
        f.reads.push(ns(e.ns));
        f.adds.push(content(e.ns));
        break;
      case 'table.setPointer':
      case 'view.setPointer':
        f.writes.push(entity(e.ns, e.name));
        break;
      case 'table.drop':
      case 'view.drop':
        f.writes.push(entity(e.ns, e.name));
        f.adds.push(content(e.ns));
        break;
      case 'table.rename':
      case 'view.rename':
        f.writes.push(entity(e.from.ns, e.from.name), entity(e.to.ns, e.to.name));
        f.reads.push(ns(e.to.ns));
        f.adds.push(content(e.from.ns), content(e.to.ns));
        break;
      case 'purge.request':
      case 'purge.done':
        f.writes.push(`p:${e.id}`);
        break;
      case 'encryption.set':
        f.writes.push('encryption');
        break;
      case 'principal.create':
      case 'principal.delete':
        f.writes.push(`pr:${e.name}`, `pc:${e.clientId}`);
        // a role deleted in the same entry would be stripped or not depending on the order
        f.reads.push(ACCESS);
        break;
      case 'principal.rotateSecret':
        f.writes.push(`pr:${e.name}`);
        break;
      case 'principal.setRoles':
        f.writes.push(`pr:${e.name}`);
        f.reads.push(ACCESS);
        break;
      // roles and grants are rare: one key for all of them keeps their batches obviously ordered
      case 'role.create':
      case 'role.delete':
        f.writes.push(ACCESS);
        break;
      case 'grant.add':
      case 'grant.revoke':
        f.writes.push(ACCESS);
        // a grant needs its securable; dropping or renaming the securable moves its grants
        if (e.on.kind === 'namespace') f.reads.push(ns(e.on.ns));
        if (e.on.kind === 'table' || e.on.kind === 'view') f.reads.push(entity(e.on.ns, e.on.name));
        break;
      case 'signingKey.add':
      case 'signingKey.retire':
        f.writes.push(`sk:${e.kid}`);
        break;
    }
  }
  if (idem) f.writes.push(`i:${idem.key}`);
  return f;
}

/** The union of the footprints admitted to one batch; admitted footprints are pairwise disjoint. */
export class BatchFootprint {
  private readonly reads = new Set<string>();
  private readonly writes = new Set<string>();
  private readonly adds = new Set<string>();

  overlaps(f: Footprint): boolean {
    const any = (keys: string[], ...sets: Set<string>[]) => keys.some((k) => sets.some((s) => s.has(k)));
    return (
      any(f.writes, this.reads, this.writes, this.adds) || any(f.reads, this.writes, this.adds) || any(f.adds, this.writes, this.reads)
    );
  }

  add(f: Footprint): void {
    assert(!this.overlaps(f), 'a batch admits only footprints disjoint from the ones already in it');
    f.reads.forEach((k) => this.reads.add(k));
    f.writes.forEach((k) => this.writes.add(k));
    f.adds.forEach((k) => this.adds.add(k));
  }
}

/**
 * Whether a txn's effects, applied in order, fail on `state`. Checked one by one against the
 * head first (cheap, and enough for almost every txn); only a txn whose later effects build on
 * its earlier ones (create a namespace and a table in it) is replayed on a copy.
 */
export function txnConflicts(state: CatalogState, effects: Effect[]): boolean {
  if (effects.every((e) => state.conflict(e) === undefined)) return false;
  if (effects.length === 1) return true;
  const scratch = CatalogState.fromSnapshot(state.toSnapshot());
  for (const effect of effects) {
    if (scratch.conflict(effect) !== undefined) return true;
    scratch.apply(effect);
  }
  return false;
}
