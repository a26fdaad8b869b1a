// View metadata files (and LoadViewResult `metadata`): the reader and the writer, which follows
// the Java ViewMetadataParser field order.
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import { IAE, javaSet, validateJava } from '../wire/index.js';
import { SUPPORTED_VIEW_FORMAT_VERSION, ViewMetadataFileZ, type ViewMetadata, type ViewSchema, type ViewVersion } from './wire.js';

export function parseViewMetadata(json: unknown): Result<ViewMetadata, IcebergError> {
  const parsed = validateJava(ViewMetadataFileZ, json);
  if (!parsed.ok) return parsed;
  const md = parsed.value;
  const current = md.versions.find((v) => v['version-id'] === md['current-version-id']);
  if (!current) {
    const ids = javaSet(md.versions.map((v) => v['version-id']));
    return err(invalid(`Cannot find current version ${md['current-version-id']} in view versions: ${ids}`, IAE));
  }
  if (!md.schemas.some((s) => s['schema-id'] === current['schema-id'])) {
    const ids = javaSet(md.schemas.map((s) => s['schema-id']));
    return err(invalid(`Cannot find current schema with id ${current['schema-id']} in schemas: ${ids}`, IAE));
  }
  return ok({
    'view-uuid': md['view-uuid'],
    'format-version': SUPPORTED_VIEW_FORMAT_VERSION,
    location: md.location,
    'current-version-id': md['current-version-id'],
    versions: md.versions,
    'version-log': md['version-log'],
    schemas: md.schemas,
    properties: md.properties,
  });
}

function versionToJson(v: ViewVersion): Record<string, unknown> {
  const out: Record<string, unknown> = {
    'version-id': v['version-id'],
    'timestamp-ms': v['timestamp-ms'],
    'schema-id': v['schema-id'],
    summary: { ...v.summary },
    representations: v.representations.map((r) => ({ type: r.type, sql: r.sql, dialect: r.dialect })),
  };
  if (v['default-catalog'] !== undefined) out['default-catalog'] = v['default-catalog'];
  out['default-namespace'] = [...v['default-namespace']];
  return out;
}

function schemaToJson(s: ViewSchema): Record<string, unknown> {
  const out: Record<string, unknown> = { type: 'struct', 'schema-id': s['schema-id'] };
  if (s['identifier-field-ids'] !== undefined && s['identifier-field-ids'].length > 0) {
    out['identifier-field-ids'] = [...s['identifier-field-ids']];
  }
  out.fields = structuredClone(s.fields);
  return out;
}

/** The metadata-file / LoadViewResult JSON, in the Java writer's field order; shares nothing with `md`. */
export function viewMetadataToJson(md: ViewMetadata): Record<string, unknown> {
  return {
    'view-uuid': md['view-uuid'],
    'format-version': md['format-version'],
    location: md.location,
    properties: { ...md.properties },
    schemas: md.schemas.map(schemaToJson),
    'current-version-id': md['current-version-id'],
    versions: md.versions.map(versionToJson),
    'version-log': md['version-log'].map((e) => ({ 'timestamp-ms': e['timestamp-ms'], 'version-id': e['version-id'] })),
  };
}
