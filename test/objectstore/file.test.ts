// file:// through the shared conformance suite, on a fresh temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { FileObjectStore } from '../../src/objectstore/index.js';
import { conformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'floe-file-conformance-'));
after(() => rmSync(root, { recursive: true, force: true }));

conformance('file', () => new FileObjectStore(root));
