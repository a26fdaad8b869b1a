// The golden corpus (fixtures/README.md): every valid table and view metadata file survives
// parse → serialise → parse unchanged, and serialising again gives the same bytes; every broken
// one is refused with the message in its `.expected.txt`. Files go through the same decode and
// encode as metadata files read from and written to storage (lossless int64 snapshot ids).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  decodeMetadataFile,
  encodeMetadataFile,
  parseTableMetadata,
  parseViewMetadata,
  tableMetadataToJson,
  viewMetadataToJson,
  type IcebergError,
  type TableMetadata,
  type ViewMetadata,
} from '../../src/iceberg/index.js';
import type { Result } from '../../src/util/result.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const LOCATION = 's3://warehouse/ns/t/metadata/00001-golden.metadata.json';

interface Kind<M> {
  parse: (json: unknown) => Result<M, IcebergError>;
  toJson: (md: M) => Record<string, unknown>;
}
const table: Kind<TableMetadata> = { parse: parseTableMetadata, toJson: tableMetadataToJson };
const view: Kind<ViewMetadata> = { parse: parseViewMetadata, toJson: viewMetadataToJson };
const KINDS: [string, Kind<unknown>][] = [
  ['table', table as Kind<unknown>],
  ['view', view as Kind<unknown>],
];

function fixtures(kind: string, validity: 'valid' | 'invalid'): string[] {
  const dir = new URL(`${kind}/${validity}/`, FIXTURES);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => new URL(name, dir).pathname);
}

function read<M>(kind: Kind<M>, bytes: Buffer): Result<M, IcebergError> {
  const json = decodeMetadataFile(bytes);
  return json.ok ? kind.parse(json.value) : json;
}

function mustParse<M>(kind: Kind<M>, bytes: Buffer, what: string): M {
  const r = read(kind, bytes);
  if (!r.ok) assert.fail(`${what}: ${r.error.message}`);
  return r.value;
}

for (const [name, kind] of KINDS) {
  const valid = fixtures(name, 'valid');
  const invalid = fixtures(name, 'invalid');

  test(`${name} corpus is not empty`, () => {
    assert.ok(valid.length >= 3 && invalid.length >= 3, `${valid.length} valid, ${invalid.length} invalid`);
  });

  for (const file of valid) {
    test(`${name} valid ${file.slice(file.lastIndexOf('/') + 1)}: parse → serialise → parse is stable`, () => {
      const first = mustParse(kind, readFileSync(file), 'fixture');
      const written = encodeMetadataFile(kind.toJson(first), LOCATION);
      const second = mustParse(kind, written, 'serialised fixture');
      assert.deepEqual(second, first);
      assert.equal(encodeMetadataFile(kind.toJson(second), LOCATION).toString('utf8'), written.toString('utf8'));
    });
  }

  for (const file of invalid) {
    test(`${name} invalid ${file.slice(file.lastIndexOf('/') + 1)}: refused with the expected message`, () => {
      const expected = readFileSync(file.replace(/\.json$/, '.expected.txt'), 'utf8').trimEnd();
      const r = read(kind, readFileSync(file));
      assert.equal(r.ok, false, 'parsed a broken file');
      if (!r.ok) {
        assert.equal(r.error.kind, 'invalid');
        assert.equal(r.error.message, expected);
      }
    });
  }
}
