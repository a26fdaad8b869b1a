// backup, restore, validate-backup: registered on the program by registerBackupCommands.
// Exit codes: 0 done/valid, 1 refused/invalid/failed, 2 bad usage or configuration.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, splitAllowedLocations, type Settings } from '../config/index.js';
import { LocationResolver, openObjectStore, parseLocation, parseStorageUrl, type ObjectStore } from '../objectstore/index.js';
import { CatalogStore } from '../store/index.js';
import { decryptArchive, openCatalogView, openKeyProvider, sealArchive, type EncryptionConfig } from '../store/encryption/index.js';
import { encodeJson } from '../store/index.js';
import {
  buildMembers, openArchiveInput, readSnapshot, restoreBackup, validateArchive, writeArchive, type ArchiveTarget, type LocationCheck,
  type SnapshotTarget, type ValidBackup,
} from '../store/backup/index.js';
import { fail, settingsFrom, type CommonFlags as StorageFlags } from './common.js';
import { checkReadable } from './probe.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const PROGRESS_INTERVAL_MS = 100;

interface CommonFlags extends StorageFlags {
  json?: boolean;
}


/** An expected refusal (exists, invalid, not covered): one line, exit 1. */
function refuse(message: string, json: boolean | undefined, report: Record<string, unknown> = {}): never {
  if (json) process.stdout.write(JSON.stringify({ ok: false, problem: message, ...report }, null, 2) + '\n');
  process.stderr.write(`floe: ${message}\n`);
  process.exit(1);
}

/** Progress on a terminal only: a pipe or a log file gets nothing. */
function progressLine(): { update: (text: string) => void; done: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\u001b[K${text}`);
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[K');
    },
  };
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

function parseTarget(flags: { atSeq?: string; atTime?: string }): SnapshotTarget {
  if (flags.atSeq !== undefined && flags.atTime !== undefined) throw new ConfigError('--at-seq and --at-time are exclusive: give one');
  if (flags.atSeq !== undefined) {
    if (!/^\d+$/.test(flags.atSeq) || !Number.isSafeInteger(Number(flags.atSeq))) throw new ConfigError(`--at-seq needs a sequence number, got ${JSON.stringify(flags.atSeq)}`);
    return { kind: 'seq', seq: Number(flags.atSeq) };
  }
  if (flags.atTime !== undefined) {
    const atMs = Date.parse(flags.atTime);
    if (!/^\d{4}-\d\d-\d\d/.test(flags.atTime) || Number.isNaN(atMs)) throw new ConfigError(`--at-time needs an ISO-8601 time such as 2026-01-24T03:00:00Z, got ${JSON.stringify(flags.atTime)}`);
    return { kind: 'time', atMs };
  }
  return { kind: 'head' };
}

/** Where a scheduled backup goes: `[backup] location` as a directory or a storage URL. */
function scheduledTarget(location: string, settings: Settings, name: string): { target: ArchiveTarget; shown: string; ensureDir?: string } {
  if (isAbsolute(location)) return { target: { kind: 'file', path: join(location, name) }, shown: join(location, name), ensureDir: location };
  const url = parseStorageUrl(location);
  if (url.backend === 'file') return { target: { kind: 'file', path: join(url.bucket, name) }, shown: join(url.bucket, name), ensureDir: url.bucket };
  const objects = openObjectStore(location, settings.storage);
  return { target: { kind: 'object', objects, key: name }, shown: `${objects.displayUrl}/${name}` };
}

const timestampForName = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

interface BackupFlags extends CommonFlags {
  output?: string;
  atSeq?: string;
  atTime?: string;
  withLog?: boolean;
  compress?: boolean;
  backupKey?: string;
  plaintext?: boolean;
}

async function runBackup(flags: BackupFlags): Promise<void> {
  let settings: Settings;
  let target: SnapshotTarget;
  let encryption: EncryptionConfig | undefined;
  try {
    settings = settingsFrom(flags, {}, { requireStorage: true });
    target = parseTarget(flags);
    encryption = openKeyProvider(settings.encryption);
    if (flags.plaintext && flags.backupKey) throw new ConfigError('--plaintext and --backup-key are exclusive: give one');
    if (flags.output === undefined && !settings.backup.location) {
      throw new ConfigError('no --output and no [backup] location configured: give --output FILE (or - for stdout), or set [backup] location / FLOE_BACKUP_LOCATION');
    }
  } catch (error) {
    fail(error);
  }
  const toStdout = flags.output === '-';
  if (toStdout && process.stdout.isTTY) {
    fail(new ConfigError('--output - writes a binary archive to stdout, which is a terminal here: redirect it (> catalog.tar.gz) or pipe it (| floe validate-backup --input -)'));
  }
  // a reader that stops early (| head) closes the pipe: end quietly, as a writer killed by
  // SIGPIPE would (status 141), instead of printing EPIPE
  const closedPipe = (error: unknown) => toStdout && (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
  if (toStdout) process.stdout.on('error', (error) => closedPipe(error) && process.exit(141));
  if (flags.output !== undefined && !toStdout && existsSync(flags.output)) {
    refuse(`${flags.output} already exists; backup never overwrites an archive`, flags.json);
  }
  const started = Date.now();
  const progress = progressLine();
  const objects = openObjectStore(settings.storage.object_store_url, settings.storage);
  let extra: ObjectStore | undefined;
  try {
    await checkReadable(objects);
    const { view } = await openCatalogView(objects, encryption);
    const outcome = await readSnapshot(view, target, ({ entries, bytes }) => progress.update(`reading log: ${entries} entries, ${mib(bytes)}`));
    if (outcome.kind === 'unavailable') {
      progress.done();
      refuse(outcome.reason, flags.json);
    }
    const snapshot = outcome.snapshot;
    const createdAt = new Date();
    const { manifest, members } = buildMembers(snapshot, { withLog: Boolean(flags.withLog), createdAt, tool: `floe ${VERSION}` });
    const entities = manifest.counts.namespaces + manifest.counts.tables + manifest.counts.views;
    // an encrypted catalog gets an encrypted archive unless --plaintext says otherwise
    const catalogKey = snapshot.state.encryption?.active ?? snapshot.identity.encryption?.activeKey;
    const backupKey = flags.plaintext ? undefined : flags.backupKey ?? catalogKey;
    if (backupKey && !encryption) throw new ConfigError(`the backup is to be encrypted with key '${backupKey}': configure encryption (FLOE_ENCRYPTION_*), or pass --plaintext`);
    const seal = backupKey && encryption ? (archive: Buffer) => sealArchive(encryption!.provider, backupKey, archive) : undefined;

    let archiveTarget: ArchiveTarget;
    let shown: string;
    let gzip: boolean;
    if (toStdout) {
      archiveTarget = { kind: 'stream', stream: process.stdout };
      shown = '-';
      gzip = Boolean(flags.compress);
    } else if (flags.output !== undefined) {
      archiveTarget = { kind: 'file', path: resolve(flags.output) };
      shown = flags.output;
      gzip = Boolean(flags.compress) || /\.(tar\.gz|tgz)$/i.test(flags.output);
    } else {
      const name = `floe-backup-${snapshot.identity.catalogId.slice(0, 8)}-${timestampForName(createdAt)}.tar.gz`;
      const scheduled = scheduledTarget(settings.backup.location!, settings, name);
      if (scheduled.ensureDir) await mkdir(scheduled.ensureDir, { recursive: true });
      if (scheduled.target.kind === 'object') extra = scheduled.target.objects;
      archiveTarget = scheduled.target;
      shown = scheduled.shown;
      gzip = true;
    }
    const written = await writeArchive(members, archiveTarget, {
      seal,
      gzip,
      mtime: createdAt,
      onProgress: (bytes) => progress.update(`writing ${entities} entities at seq ${snapshot.seq}: ${mib(bytes)}`),
    });
    progress.done();
    if (written.kind === 'exists') refuse(`${written.where} already exists; backup never overwrites an archive`, flags.json);
    const summary = {
      ok: true,
      output: shown,
      catalogId: manifest.catalogId,
      seq: manifest.seq,
      entryHash: manifest.entryHash,
      baseSeq: manifest.log.baseSeq,
      withLog: manifest.log.included,
      counts: manifest.counts,
      compressed: gzip,
      encryptedWithKey: backupKey ?? null,
      bytes: written.written.bytes,
      sha256: written.written.sha256,
      durationMs: Date.now() - started,
    };
    // stdout carries the archive itself when the output is '-'
    const out = toStdout ? process.stderr : process.stdout;
    if (flags.json) out.write(JSON.stringify(summary, null, 2) + '\n');
    else if (!toStdout || process.stderr.isTTY) {
      const c = manifest.counts;
      out.write(
        `backup of catalog ${manifest.catalogId} at seq ${manifest.seq}: ${c.namespaces} namespaces, ${c.tables} tables, ${c.views} views` +
          `${manifest.log.included ? `, ${c.logEntries} log entries since checkpoint ${manifest.log.baseSeq}` : ''} -> ${shown} (${summary.bytes} bytes, sha256 ${summary.sha256})\n`,
      );
    }
  } catch (error) {
    progress.done();
    if (closedPipe(error)) process.exit(141);
    fail(error);
  } finally {
    await objects.close();
    await extra?.close();
  }
}

/** HEADs each metadata-location: under the warehouse through its store, else by absolute URL. */
function locationChecker(settings: Settings, warehouse: string | undefined): { check: LocationCheck; close: () => Promise<void> } {
  // the server reads only inside the warehouse and the allowed locations, and so does this check
  const roots = [...(warehouse ? [warehouse] : []), ...splitAllowedLocations(settings.server.allowed_locations)]
    .map(parseLocation)
    .flatMap((parsed) => (parsed.ok ? [parsed.value] : []));
  const resolver = new LocationResolver(roots, settings.storage);
  const warehouseStore = warehouse ? openObjectStore(warehouse, settings.storage) : undefined;
  const warehouseBase = warehouse ? warehouse.replace(/\/+$/, '') + '/' : undefined;
  const check: LocationCheck = async (location) => {
    let found;
    try {
      if (warehouseStore && warehouseBase && location.startsWith(warehouseBase)) found = await warehouseStore.head(location.slice(warehouseBase.length));
      else {
        const parsed = parseLocation(location);
        if (!parsed.ok) return { unknown: parsed.error };
        const { store, key } = resolver.resolve(parsed.value);
        found = await store.head(key);
      }
    } catch (error) {
      return { unknown: (error as Error).message };
    }
    if (found.kind === 'found') return 'found';
    if (found.kind === 'notFound') return 'missing';
    return { unknown: found.cause.message };
  };
  return { check, close: async () => { await resolver.close(); await warehouseStore?.close(); } };
}

async function validateInput(
  input: string,
  options: { checkLocation?: LocationCheck },
  json: boolean | undefined,
  encryption: EncryptionConfig | undefined,
  seen: { keyId?: string } = {},
): Promise<ValidBackup> {
  if (input !== '-' && !existsSync(input)) refuse(`${input} does not exist`, json);
  const outcome = await validateArchive(decryptArchive(openArchiveInput(input), encryption, input, seen), options);
  if (outcome.kind === 'invalid') refuse(`invalid backup ${input}: ${outcome.problem}`, json, { valid: false });
  return outcome.backup;
}

interface ValidateFlags extends CommonFlags {
  input: string;
  checkLocations?: boolean;
  warehouse?: string;
}

async function runValidate(flags: ValidateFlags): Promise<void> {
  let settings: Settings;
  try {
    settings = settingsFrom(flags, { warehouse: flags.warehouse });
  } catch (error) {
    fail(error);
  }
  const warehouse = settings.server.warehouse;
  const checker = flags.checkLocations ? locationChecker(settings, warehouse) : undefined;
  try {
    const backup = await validateInput(flags.input, { checkLocation: checker?.check }, flags.json, openKeyProvider(settings.encryption));
    const m = backup.manifest;
    if (flags.json) {
      process.stdout.write(JSON.stringify({ ok: true, valid: true, input: flags.input, catalogId: m.catalogId, seq: m.seq, entryHash: m.entryHash, createdAt: m.createdAt, withLog: m.log.included, baseSeq: m.log.baseSeq, counts: m.counts, members: backup.memberCount, locationsChecked: flags.checkLocations ? backup.locationsChecked : undefined }, null, 2) + '\n');
    } else {
      const c = m.counts;
      process.stdout.write(
        `valid: backup of catalog ${m.catalogId} at seq ${m.seq} taken ${m.createdAt}: ${c.namespaces} namespaces, ${c.tables} tables, ${c.views} views` +
          `${m.log.included ? `, log ${m.log.baseSeq + 1}..${m.seq} replayed` : ''}${flags.checkLocations ? `, ${backup.locationsChecked} metadata-locations exist` : ''}\n`,
      );
    }
  } catch (error) {
    fail(error);
  } finally {
    await checker?.close();
  }
}

interface RestoreFlags extends CommonFlags {
  input: string;
  force?: boolean;
  allowPurge?: boolean;
  plaintext?: boolean;
}

async function runRestore(flags: RestoreFlags): Promise<void> {
  let settings: Settings;
  try {
    settings = settingsFrom(flags, {}, { requireStorage: true });
  } catch (error) {
    fail(error);
  }
  const started = Date.now();
  let encryption: EncryptionConfig | undefined;
  try {
    encryption = openKeyProvider(settings.encryption);
  } catch (error) {
    fail(error);
  }
  const target = openObjectStore(settings.storage.object_store_url, settings.storage);
  try {
    const seen: { keyId?: string } = {};
    const backup = await validateInput(flags.input, {}, flags.json, encryption, seen);
    const wasEncrypted = seen.keyId !== undefined || backup.identity.encryption !== undefined || backup.checkpoint.state.encryption !== undefined;
    if (wasEncrypted && !encryption && !flags.plaintext) {
      refuse('the backup is of an encrypted catalog and the target has no encryption configured: configure FLOE_ENCRYPTION_* for the target, or pass --plaintext to restore it unencrypted', flags.json);
    }
    const outcome = await restoreBackup(backup, target, { force: flags.force, allowPurge: flags.allowPurge, encryption });
    if (outcome.kind === 'refused') refuse(outcome.reason, flags.json);
    // prove it: open the restored root the way a server would and compare (the keys are the target's)
    const store = await CatalogStore.open(target, { create: false, encryption });
    await store.close();
    const withoutKeys = ({ encryption: _keys, ...rest }: typeof backup.checkpoint.state) => rest;
    if (store.headSeq !== outcome.seq || !encodeJson(withoutKeys(store.state.toSnapshot())).equals(encodeJson(withoutKeys(backup.checkpoint.state)))) {
      throw new Error(`the restored catalog at ${target.displayUrl} does not open to the backup's state (head ${store.headSeq}, expected ${outcome.seq})`);
    }
    const summary = {
      ok: true,
      storage: target.displayUrl,
      catalogId: outcome.identity.catalogId,
      restoredFrom: outcome.identity.restoredFrom,
      allowPurge: Boolean(flags.allowPurge),
      seq: outcome.seq,
      nextSeq: outcome.seq + 1,
      counts: backup.manifest.counts,
      objectsWritten: outcome.objectsWritten,
      durationMs: Date.now() - started,
    };
    if (flags.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else {
      const c = backup.manifest.counts;
      process.stdout.write(
        `restored catalog ${backup.manifest.catalogId} at seq ${outcome.seq} into ${target.displayUrl} as catalog ${outcome.identity.catalogId}: ` +
          `${c.namespaces} namespaces, ${c.tables} tables, ${c.views} views; the next commit is seq ${outcome.seq + 1}\n` +
          (flags.allowPurge ? '' : 'it deletes no table files it did not write (no purge, old metadata files kept): it may share the warehouse with its source; --allow-purge to allow\n'),
      );
    }
  } catch (error) {
    fail(error);
  } finally {
    await target.close();
  }
}

export function registerBackupCommands(program: Command): void {
  const storageOption = () => new Option('--storage <url>', 'catalog storage URL: memory://, file:///abs/path, s3://bucket/prefix, gs://bucket/prefix, az://container/prefix (env FLOE_STORAGE)');
  const configOption = () => new Option('--config <file>', 'TOML configuration file (env FLOE_CONFIG)');

  program
    .command('backup')
    .description('write a consistent snapshot of the catalog to a tar(.gz) archive; reads only')
    .addOption(storageOption())
    .addOption(configOption())
    .option('--output <file>', 'archive to create (never overwritten); - for stdout; default: [backup] location/floe-backup-<id>-<time>.tar.gz')
    .option('--at-seq <n>', 'the state at log sequence n (must be covered by a retained checkpoint and log)')
    .option('--at-time <iso>', 'the state as of this time (the last commit at or before it)')
    .option('--with-log', 'also include the base checkpoint and the log entries since it, for replay checks')
    .option('--compress', 'gzip (implied by a .tar.gz or .tgz output name)')
    .option('--backup-key <id>', "encrypt the archive with this configured key (default for an encrypted catalog: the catalog's active key)")
    .option('--plaintext', 'write a plaintext archive even of an encrypted catalog')
    .option('--json', 'print a JSON summary')
    .action((flags: BackupFlags) => runBackup(flags));

  program
    .command('validate-backup')
    .description('check a backup archive: structure, checksums, manifest, state invariants, log replay')
    .requiredOption('--input <file>', 'archive to check; - for stdin')
    .option('--check-locations', 'also check that every table and view metadata-location exists')
    .option('--warehouse <url>', 'warehouse URL for --check-locations (env FLOE_WAREHOUSE)')
    .addOption(configOption())
    .option('--json', 'print a JSON report')
    .action((flags: ValidateFlags) => runValidate(flags));

  program
    .command('restore')
    .description('validate a backup and restore it into an empty storage root as a new catalog')
    .requiredOption('--input <file>', 'archive to restore; - for stdin')
    .addOption(storageOption())
    .addOption(configOption())
    .option('--force', 'restore into a root that holds other (non-catalog) objects; never over a Floe catalog')
    .option('--allow-purge', 'let the restored catalog purge tables and delete old metadata files it did not write (off: it may share the warehouse with its source)')
    .option('--plaintext', 'restore a backup of an encrypted catalog into a target without encryption')
    .option('--json', 'print a JSON summary')
    .action((flags: RestoreFlags) => runRestore(flags));
}
