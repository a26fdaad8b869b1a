// Where a file may be. The server reads and writes only inside its roots (the warehouse and
// the allow-listed prefixes of `[server] allowed_locations`), deletes only inside the table's
// own location within those roots, and a table's or view's location may not overlap another
// live one's, so that dropping one with purge can never take the other's files with it.
import { ConfigError } from '../config/index.js';
import { isWithin, parentOf, parseLocation, type Location } from '../objectstore/index.js';
import type { CatalogState, PointerRecord } from '../store/index.js';
import { err, type Result } from '../util/index.js';
import { CatalogError } from './errors.js';
import { formatIdentifier } from './names.js';

export interface Entity {
  kind: 'table' | 'view';
  ns: readonly string[];
  name: string;
}

/**
 * Where a live table's or view's files are, judged from its metadata file alone (the state
 * holds pointers, not locations): the directory above `metadata/`, or the metadata file's own
 * directory when it lives elsewhere.
 */
export function homeOf(metadataFile: Location): Location {
  const dir = parentOf(metadataFile);
  return dir.segments.at(-1) === 'metadata' && dir.segments.length > 1 ? parentOf(dir) : dir;
}

interface Placed {
  /** the directory of the metadata file */
  dir: Location;
  home: Location;
}

/** Parsed once per pointer record (a moved pointer is a new record, and a dropped one is collected). */
const placedCache = new WeakMap<PointerRecord, Placed | null>();

function placed(pointer: PointerRecord): Placed | null {
  let place = placedCache.get(pointer);
  if (place === undefined) {
    const parsed = parseLocation(pointer.metadataLocation);
    place = parsed.ok ? { dir: parentOf(parsed.value), home: homeOf(parsed.value) } : null;
    placedCache.set(pointer, place);
  }
  return place;
}

export class LocationPolicy {
  readonly warehouse: Location;
  /** the warehouse first, then the allow-listed prefixes */
  readonly roots: readonly Location[];

  /** Throws (a configuration error) when the warehouse or an allowed prefix is not a valid location. */
  constructor(warehouseUrl: string, allowed: readonly string[] = []) {
    const parse = (text: string, what: string) => {
      const parsed = parseLocation(text);
      if (!parsed.ok) throw new ConfigError(`invalid ${what} ${JSON.stringify(text)}: ${parsed.error}`);
      return parsed.value;
    };
    this.warehouse = parse(warehouseUrl, 'warehouse');
    this.roots = [this.warehouse, ...allowed.map((text) => parse(text, 'allowed location'))];
  }

  /** Parses a location given by a client or found in metadata; 400 when it is malformed. */
  parse(text: string, what: string): Location {
    const parsed = parseLocation(text);
    if (!parsed.ok) throw new CatalogError('BadRequest', `Invalid ${what} ${JSON.stringify(text)}: ${parsed.error}`);
    return parsed.value;
  }

  isAllowed(location: Location): boolean {
    return this.roots.some((root) => isWithin(location, root));
  }

  /** A location the server may read or write: inside the warehouse or an allowed prefix. */
  checkAllowed(text: string, what: string): Location {
    const location = this.parse(text, what);
    if (!this.isAllowed(location)) {
      throw new CatalogError('BadRequest', `Invalid ${what} ${JSON.stringify(text)}: outside the warehouse and the allowed locations`);
    }
    return location;
  }

  /**
   * A table's or view's own location: allowed, not the warehouse itself, and not overlapping
   * the location of another live table or view in `state` (`self` is the entity being changed).
   */
  checkEntityLocation(text: string, state: CatalogState, self: Entity): Location {
    const what = `${self.kind} location`;
    const location = this.checkAllowed(text, what);
    if (location.segments.length === this.warehouse.segments.length) {
      throw new CatalogError('BadRequest', `Invalid ${what} ${JSON.stringify(text)}: the warehouse root itself cannot be a ${self.kind} location`);
    }
    const other = this.overlapping(location, state, self);
    if (other) {
      throw new CatalogError('BadRequest', `Invalid ${what} ${JSON.stringify(text)}: it overlaps the location of ${other.kind} ${formatIdentifier({ namespace: [...other.ns], name: other.name })}`);
    }
    return location;
  }

  /** The live table or view whose files `location` would contain or lie among, if any. */
  overlapping(location: Location, state: CatalogState, self?: Entity): Entity | undefined {
    const check = (kind: Entity['kind'], pointer: PointerRecord): Entity | undefined => {
      if (self && self.kind === kind && self.name === pointer.name && sameLevels(self.ns, pointer.ns)) return undefined;
      const place = placed(pointer);
      if (place === null) return undefined;
      const overlaps = isWithin(place.dir, location) || isWithin(location, place.home);
      return overlaps ? { kind, ns: pointer.ns, name: pointer.name } : undefined;
    };
    for (const pointer of state.tables.values()) {
      const hit = check('table', pointer);
      if (hit) return hit;
    }
    for (const pointer of state.views.values()) {
      const hit = check('view', pointer);
      if (hit) return hit;
    }
    return undefined;
  }

  /** The homes (see homeOf) of every live table and view: a purge deletes nothing under them. */
  liveHomes(state: CatalogState): Set<string> {
    const homes = new Set<string>();
    for (const pointer of [...state.tables.values(), ...state.views.values()]) {
      const place = placed(pointer);
      if (place !== null) homes.add(place.home.text);
    }
    return homes;
  }

  /**
   * Why a delete of `file` on behalf of the table or view at `owner` is refused, if it is: the
   * file must parse, lie inside an allowed root, and lie under the owner's location.
   */
  deleteRefusal(file: string, owner: string | undefined): string | undefined {
    const checked = this.checkDelete(file, owner);
    return checked.ok ? undefined : checked.error;
  }

  /** The parsed file when it may be deleted on behalf of `owner` (see deleteRefusal), else why not. */
  checkDelete(file: string, owner: string | undefined): Result<Location, string> {
    const parsed = parseLocation(file);
    if (!parsed.ok) return parsed;
    if (!this.isAllowed(parsed.value)) return err('outside the warehouse and the allowed locations');
    if (owner === undefined) return parsed;
    const within = parseLocation(owner);
    if (!within.ok || !this.isAllowed(within.value)) return err('the owner location is outside the warehouse and the allowed locations');
    if (within.value.segments.length === this.warehouse.segments.length && isWithin(within.value, this.warehouse)) return err('the owner location is the warehouse root');
    if (!isWithin(parsed.value, within.value)) return err('outside the location of its table');
    return parsed;
  }
}

/** True when some ancestor directory of `file` (or the file) is in `homes`. */
export function underAny(file: Location, homes: ReadonlySet<string>): boolean {
  for (let at: Location = file; at.segments.length > 0; at = parentOf(at)) if (homes.has(at.text)) return true;
  return false;
}

const sameLevels = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((level, i) => level === b[i]);
