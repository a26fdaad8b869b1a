// The view metadata builder (Java ViewMetadata.Builder, rule by rule: the Java client and the
// REST catalog test-suite assert its outcomes — version re-numbering on concurrent replaces,
// the dialect-loss rule, history trimming — and its messages). Pure: the clock comes in as
// `nowMs`. It works on a private deep copy, so a failed update leaves the caller's base as it was.
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import { sameSchema } from '../schema/index.js';
import { IAE, ISE, VALIDATION, deepEqual, javaSet, propertyAsBoolean, propertyAsInt } from '../wire/index.js';
import {
  INITIAL_SCHEMA_ID,
  SUPPORTED_VIEW_FORMAT_VERSION,
  type ViewHistoryEntry,
  type ViewMetadata,
  type ViewSchema,
  type ViewVersion,
} from './wire.js';

type R<T> = Result<T, IcebergError>;

// View properties read by the builder (Java `ViewProperties`).
const VERSION_HISTORY_SIZE = 'version.history.num-entries';
const VERSION_HISTORY_SIZE_DEFAULT = 10;
const REPLACE_DROP_DIALECT_ALLOWED = 'replace.drop-dialect.allowed';
const REPLACE_APPEND_DIALECT_ALLOWED = 'replace.append-dialect.allowed';

/** `-1` in a schema or version id: the one added earlier in the same request. */
export const LAST_ADDED = -1;

const fail = (message: string, javaType: string) => err(invalid(message, javaType));

export type ViewUpdateAction =
  | 'assign-uuid'
  | 'upgrade-format-version'
  | 'add-schema'
  | 'set-location'
  | 'set-properties'
  | 'remove-properties'
  | 'add-view-version'
  | 'set-current-view-version';

// What the builder changed; only add-view-version needs its id (for the "added in this
// request" checks), the rest only count towards "changed".
type Change = { action: 'add-view-version'; versionId: number } | { action: Exclude<ViewUpdateAction, 'add-view-version'> };

/** Java `sameViewVersion`: versions that behave the same, ignoring version id and timestamp. */
function sameViewVersion(a: ViewVersion, b: ViewVersion): boolean {
  return (
    deepEqual(a.summary, b.summary) &&
    // an ordered list with exact dialect spelling, like Java's List.equals over value objects
    deepEqual(a.representations, b.representations) &&
    a['default-catalog'] === b['default-catalog'] &&
    deepEqual(a['default-namespace'], b['default-namespace']) &&
    a['schema-id'] === b['schema-id']
  );
}

const sqlDialects = (version: ViewVersion): Set<string> => new Set(version.representations.map((r) => r.dialect.toLowerCase()));

export class ViewMetadataBuilder {
  private formatVersion = SUPPORTED_VIEW_FORMAT_VERSION;
  private uuid: string | undefined;
  private location: string | undefined;
  private currentVersionId: number | undefined;
  private readonly versions: ViewVersion[] = [];
  private readonly versionsById = new Map<number, ViewVersion>();
  private readonly schemas: ViewSchema[] = [];
  private readonly schemasById = new Map<number, ViewSchema>();
  private history: ViewHistoryEntry[] = [];
  private properties: Record<string, string> = {};
  readonly changes: Change[] = [];
  private lastAddedVersionId: number | undefined;
  private lastAddedSchemaId: number | undefined;
  private historyEntry: ViewHistoryEntry | undefined;
  // the current version of the base: the dialect-loss rule compares against it
  private previousVersion: ViewVersion | undefined;

  private constructor(private readonly nowMs: number) {}

  static empty(nowMs: number): ViewMetadataBuilder {
    return new ViewMetadataBuilder(nowMs);
  }

  static from(base: ViewMetadata, nowMs: number): R<ViewMetadataBuilder> {
    const b = new ViewMetadataBuilder(nowMs);
    // the caller's object (possibly frozen, possibly shared) is never touched
    const copy = structuredClone(base);
    b.formatVersion = copy['format-version'];
    b.uuid = copy['view-uuid'];
    b.location = copy.location;
    b.currentVersionId = copy['current-version-id'];
    for (const v of copy.versions) {
      b.versions.push(v);
      b.versionsById.set(v['version-id'], v);
    }
    for (const s of copy.schemas) {
      b.schemas.push(s);
      b.schemasById.set(s['schema-id'], s);
    }
    b.history = copy['version-log'];
    b.properties = copy.properties;
    const previous = b.versionsById.get(copy['current-version-id']);
    if (!previous) {
      return fail(`Cannot find current version ${copy['current-version-id']} in view versions: ${javaSet(b.versionsById.keys())}`, IAE);
    }
    b.previousVersion = previous;
    return ok(b);
  }

  assignUuid(newUuid: string): R<void> {
    if (this.uuid !== undefined && this.uuid !== newUuid) return fail('Cannot reassign uuid', IAE);
    if (this.uuid !== newUuid) {
      this.uuid = newUuid;
      this.changes.push({ action: 'assign-uuid' });
    }
    return ok(undefined);
  }

  upgradeFormatVersion(newFormatVersion: number): R<void> {
    if (newFormatVersion < this.formatVersion) {
      return fail(`Cannot downgrade v${this.formatVersion} view to v${newFormatVersion}`, IAE);
    }
    if (newFormatVersion === this.formatVersion) return ok(undefined);
    // only v1 exists; build() rejects anything higher with Java's message
    this.formatVersion = newFormatVersion;
    this.changes.push({ action: 'upgrade-format-version' });
    return ok(undefined);
  }

  setLocation(newLocation: string): R<void> {
    if (this.location === newLocation) return ok(undefined);
    this.location = newLocation;
    this.changes.push({ action: 'set-location' });
    return ok(undefined);
  }

  setProperties(updates: Record<string, string>): R<void> {
    if (Object.keys(updates).length === 0) return ok(undefined);
    Object.assign(this.properties, updates);
    this.changes.push({ action: 'set-properties' });
    return ok(undefined);
  }

  removeProperties(removals: string[]): R<void> {
    if (removals.length === 0) return ok(undefined);
    for (const k of removals) delete this.properties[k];
    this.changes.push({ action: 'remove-properties' });
    return ok(undefined);
  }

  /** Adds a schema, re-using the id of an identical one; returns the id in effect. */
  addSchema(schema: ViewSchema): number {
    let newId = INITIAL_SCHEMA_ID;
    for (const s of this.schemas) {
      if (sameSchema(s, schema)) {
        // Deliberately more lenient than Java, whose view builder leaves "last added" unset here
        // so a following `schema-id: -1` fails: a client that re-sends the unchanged schema with
        // add-schema and then refers to it with -1 means this schema. (The Java client never
        // sends that shape, so its behaviour is unaffected.)
        this.lastAddedSchemaId = s['schema-id'];
        return s['schema-id'];
      }
      if (s['schema-id'] >= newId) newId = s['schema-id'] + 1;
    }
    const added: ViewSchema = { ...structuredClone(schema), 'schema-id': newId };
    this.schemas.push(added);
    this.schemasById.set(newId, added);
    this.changes.push({ action: 'add-schema' });
    this.lastAddedSchemaId = newId;
    return newId;
  }

  private addedInThisBuild(versionId: number): boolean {
    return this.changes.some((c) => c.action === 'add-view-version' && c.versionId === versionId);
  }

  /**
   * Adds a version; returns the id it ended up with. An identical existing version is re-used;
   * otherwise the client's id is kept unless taken, in which case it becomes max(existing)+1
   * (this is what turns two concurrent replaces of v1 into versions 2 and 3).
   */
  addVersion(input: ViewVersion): R<number> {
    // same order as Java: the id is resolved before a -1 schema id is, so a -1 version never
    // matches an existing one
    let newId = input['version-id'];
    let reused = false;
    for (const v of this.versions) {
      if (sameViewVersion(v, input)) {
        newId = v['version-id'];
        reused = true;
        break;
      }
      if (v['version-id'] >= newId) newId = v['version-id'] + 1;
    }
    if (reused || this.versionsById.has(newId)) {
      this.lastAddedVersionId = this.addedInThisBuild(newId) ? newId : undefined;
      return ok(newId);
    }

    let schemaId = input['schema-id'];
    if (schemaId === LAST_ADDED) {
      if (this.lastAddedSchemaId === undefined) return fail('Cannot set last added schema: no schema has been added', VALIDATION);
      schemaId = this.lastAddedSchemaId;
    }
    if (!this.schemasById.has(schemaId)) return fail(`Cannot add version with unknown schema: ${schemaId}`, IAE);

    const dialects = new Set<string>();
    for (const r of input.representations) {
      const d = r.dialect.toLowerCase();
      if (dialects.has(d)) return fail(`Invalid view version: Cannot add multiple queries for dialect ${d}`, IAE);
      dialects.add(d);
    }

    const version: ViewVersion = { ...structuredClone(input), 'version-id': newId, 'schema-id': schemaId };
    this.versions.push(version);
    this.versionsById.set(newId, version);
    this.changes.push({ action: 'add-view-version', versionId: newId });
    this.lastAddedVersionId = newId;
    return ok(newId);
  }

  setCurrentVersionId(requested: number): R<void> {
    let id = requested;
    if (id === LAST_ADDED) {
      if (this.lastAddedVersionId === undefined) {
        return fail('Cannot set last version id: no current version id has been set', VALIDATION);
      }
      id = this.lastAddedVersionId;
    }
    if (this.currentVersionId === id) return ok(undefined);
    const version = this.versionsById.get(id);
    if (!version) return fail(`Cannot set current version to unknown version: ${id}`, IAE);
    this.currentVersionId = id;
    this.changes.push({ action: 'set-current-view-version' });
    // a version added in this request was "current since" its own timestamp; re-activating an
    // older version happens now
    this.historyEntry = {
      'timestamp-ms': this.addedInThisBuild(id) ? version['timestamp-ms'] : this.nowMs,
      'version-id': id,
    };
    return ok(undefined);
  }

  build(): R<ViewMetadata> {
    if (this.location === undefined) return fail('Invalid location: null', IAE);
    if (this.versions.length === 0) return fail('Invalid view: no versions were added', IAE);
    if (this.uuid === undefined) return fail('Cannot set uuid to null', IAE);
    const currentId = this.currentVersionId;
    const current = currentId === undefined ? undefined : this.versionsById.get(currentId);
    if (currentId === undefined || !current) {
      return fail(`Cannot find current version ${currentId ?? 'null'} in view versions: ${javaSet(this.versionsById.keys())}`, IAE);
    }
    if (this.formatVersion <= 0 || this.formatVersion > SUPPORTED_VIEW_FORMAT_VERSION) {
      return fail(`Unsupported format version: ${this.formatVersion}`, IAE);
    }
    const dialectsOk = this.checkDialects(current);
    if (!dialectsOk.ok) return dialectsOk;
    const historySize = propertyAsInt(this.properties, VERSION_HISTORY_SIZE, VERSION_HISTORY_SIZE_DEFAULT);
    if (!historySize.ok) return historySize;
    if (historySize.value <= 0) return fail(`${VERSION_HISTORY_SIZE} must be positive but was ${historySize.value}`, IAE);

    const history = this.historyEntry ? [...this.history, this.historyEntry] : [...this.history];
    const kept = this.expireVersions(currentId, history, historySize.value);
    return ok({
      'view-uuid': this.uuid,
      'format-version': SUPPORTED_VIEW_FORMAT_VERSION,
      location: this.location,
      'current-version-id': currentId,
      versions: structuredClone(kept.versions),
      'version-log': structuredClone(kept.versionLog),
      schemas: structuredClone(this.schemas),
      properties: { ...this.properties },
    });
  }

  /** The new current version must keep every dialect of the previous one, unless allowed. */
  private checkDialects(current: ViewVersion): R<void> {
    const dropAllowed = propertyAsBoolean(this.properties, REPLACE_DROP_DIALECT_ALLOWED);
    if (dropAllowed && propertyAsBoolean(this.properties, REPLACE_APPEND_DIALECT_ALLOWED)) {
      return fail(`Cannot set both ${REPLACE_DROP_DIALECT_ALLOWED} and ${REPLACE_APPEND_DIALECT_ALLOWED} to true`, IAE);
    }
    if (this.previousVersion === undefined || dropAllowed) return ok(undefined);
    const before = sqlDialects(this.previousVersion);
    const after = sqlDialects(current);
    if ([...before].every((d) => after.has(d))) return ok(undefined);
    return fail(
      `Cannot replace view due to loss of view dialects (${REPLACE_DROP_DIALECT_ALLOWED}=false):\n` +
        `Previous dialects: ${javaSet(before)}\nNew dialects: ${javaSet(after)}`,
      ISE,
    );
  }

  /** Keeps the current version, those added by this request and the newest up to `historySize`. */
  private expireVersions(currentId: number, history: ViewHistoryEntry[], historySize: number) {
    const mustKeep = new Set<number>([currentId]);
    for (const c of this.changes) if (c.action === 'add-view-version') mustKeep.add(c.versionId);
    const numToKeep = Math.max(mustKeep.size, historySize);
    if (this.versions.length <= numToKeep) return { versions: this.versions, versionLog: history };
    // ids are assigned increasingly: keep the current one plus the newest ids. Unlike Java we
    // keep the surviving versions in their original order (Java puts the current one first);
    // order carries no meaning in the format.
    const ids = [...this.versionsById.keys()].sort((a, b) => b - a).slice(0, numToKeep);
    const retained = new Set<number>([currentId]);
    for (const id of ids) {
      if (retained.size === numToKeep) break;
      retained.add(id);
    }
    let versionLog: ViewHistoryEntry[] = [];
    for (const entry of history) {
      // an entry for an expired version makes everything before it meaningless
      if (retained.has(entry['version-id'])) versionLog.push(entry);
      else versionLog = [];
    }
    return { versions: this.versions.filter((v) => retained.has(v['version-id'])), versionLog };
  }
}
