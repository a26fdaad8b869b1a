// `floe keys rotate | rewrap | retire`: the catalog's encryption keys, changed by log entries
// so every replica agrees (docs/encryption.md). Exit codes: 0 done, 1 refused, 2 configuration.
import { Command, Option } from 'commander';
import type { Settings } from '../config/index.js';
import { openObjectStore } from '../objectstore/index.js';
import { CatalogStore, openKeyProvider, rewrapObjects, scanEncryption, type EncryptionConfig } from '../store/index.js';
import type { EncryptionStatus } from './status.js';
import { fail, settingsFrom, type CommonFlags } from './common.js';
import { registerSigningKeyCommand } from './principal-commands.js';

export function encryptionLine(e: EncryptionStatus): string {
  if (!e.on) return 'encryption:      off';
  const keys = (e.keys ?? []).map((k) => `${k.id}${k.retired ? ' (retired)' : ''}: ${k.objects} objects`).join(', ');
  return `encryption:      on (${e.algorithm}, active key ${e.activeKey}; ${keys}; ${e.plaintextObjects} plaintext objects remain)`;
}

async function withStore<T>(settings: Settings, work: (store: CatalogStore, encryption: EncryptionConfig) => Promise<T>): Promise<T> {
  const encryption = openKeyProvider(settings.encryption);
  if (!encryption) throw new Error('encryption is not configured: set FLOE_ENCRYPTION_PROVIDER and the keys ([encryption] in the config file)');
  const objects = openObjectStore(settings.storage.object_store_url, settings.storage);
  try {
    const store = await CatalogStore.open(objects, { create: false, encryption, gcIntervalMs: 0 });
    try {
      return await work(store, encryption);
    } finally {
      await store.close();
    }
  } finally {
    await objects.close();
  }
}

function refuse(message: string): never {
  process.stderr.write(`floe: ${message}\n`);
  process.exit(1);
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description("the catalog's encryption keys (rotate, rewrap, retire) and token signing keys (rotate-signing)");
  registerSigningKeyCommand(keys);
  const storageOption = () => new Option('--storage <url>', 'catalog storage URL (env FLOE_STORAGE)');
  const configOption = () => new Option('--config <file>', 'TOML configuration file (env FLOE_CONFIG)');

  keys
    .command('rotate')
    .description('make a key the active one: new objects are encrypted with it (configure it on every replica first)')
    .addOption(storageOption())
    .addOption(configOption())
    .option('--key <id>', 'the new active key id (default: FLOE_ENCRYPTION_ACTIVE_KEY)')
    .action(async (flags: CommonFlags & { key?: string }) => {
      try {
        const settings = settingsFrom(flags);
        await withStore(settings, async (store, encryption) => {
          const before = store.encryption?.active;
          const keyId = flags.key ?? encryption.activeKey;
          const outcome = await store.setEncryptionKey(keyId);
          process.stdout.write(
            outcome === 'changed'
              ? `active key: ${keyId} (was ${before ?? 'none: encryption is now on'}); old objects stay readable while their key is configured\n`
              : `active key: ${keyId} (unchanged)\n`,
          );
        });
      } catch (error) {
        fail(error);
      }
    });

  keys
    .command('rewrap')
    .description('re-encrypt every object not under the active key (plaintext ones too), so old keys can be retired')
    .addOption(storageOption())
    .addOption(configOption())
    .action(async (flags: CommonFlags) => {
      try {
        await withStore(settingsFrom(flags), async (store) => {
          const report = await rewrapObjects(store);
          process.stdout.write(`re-encrypted ${report.rewritten} objects under key ${store.encryption?.active} (${report.skipped} changed or collected meanwhile)\n`);
        });
      } catch (error) {
        fail(error);
      }
    });

  keys
    .command('retire')
    .description('stop accepting a key: refused while any object is still encrypted with it')
    .argument('<keyid>', 'the key id to retire')
    .addOption(storageOption())
    .addOption(configOption())
    .action(async (keyId: string, flags: CommonFlags) => {
      try {
        const message = await withStore(settingsFrom(flags), async (store) => {
          const scan = await scanEncryption(store.objects.inner);
          const remaining = scan.byKey[keyId] ?? 0;
          if (remaining > 0) {
            return `refused: ${remaining} objects are still encrypted with key '${keyId}'; run \`floe keys rewrap\` (or wait for the next checkpoint and GC) and retry`;
          }
          const outcome = await store.retireEncryptionKey(keyId);
          return outcome === 'retired' ? `retired key ${keyId}: it may now be removed from every replica's configuration` : `key ${keyId} was already retired`;
        });
        if (message.startsWith('refused: ')) refuse(message.slice('refused: '.length));
        process.stdout.write(message + '\n');
      } catch (error) {
        fail(error);
      }
    });
}
